import { Duration, Effect, Fiber, Metric, Option, Ref, References, Schedule, Schema } from "effect"
import type { Cron, Tracer } from "effect"
import { messagingAttributes, traceHeaders } from "../domain/TraceContext.ts"
import { RecordHeaders } from "../domain/User.ts"
import type { User } from "../domain/User.ts"
import { MaxPage, pageOfRequest } from "../domain/RandomUser.ts"
import { transformPage } from "../domain/Transform.ts"
import { HttpUsers, type HttpUsersError, HttpUsersRejected } from "../services/HttpUsers.ts"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { ProducerRecord } from "../services/KafkaProducer.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"
import { countError, ingestRunsFailed, progressLines, usersFetched, usersInvalid, usersProduced } from "./Metrics.ts"
import { retrySchedule } from "./Retry.ts"
import type { RetryPolicy } from "./Retry.ts"

/** When runs happen: once, on an interval, on a cron expression; optionally only for a while. */
export interface IngestTiming {
  readonly every: Duration.Duration | undefined
  readonly cron: Cron.Cron | undefined
  readonly for: Duration.Duration | undefined
}

export interface IngestOptions extends IngestTiming {
  readonly topic: string
  /** Users asked of the API per run. */
  readonly count: number
  /** Users per request (the API allows at most 5000). */
  readonly resultsPerRequest: number
  readonly concurrency: number
  readonly seed: string | undefined
  /** Nationalities asked for, normalized (`US,GB`); all of them when absent. Part of each user's id. */
  readonly nat?: string | undefined
  readonly retry: RetryPolicy
  /** How often a progress line is logged during a run. */
  readonly progressEvery: Duration.Input
  /** Called with the summary so far when the ingest is interrupted (a signal ends a schedule). */
  readonly onInterrupt?: ((summary: IngestSummary) => Effect.Effect<void>) | undefined
}

export interface IngestSummary {
  readonly runs: number
  /** Scheduled runs that failed after their retries; the schedule went on. */
  readonly failedRuns: number
  readonly requests: number
  readonly retries: number
  readonly fetched: number
  readonly invalid: number
  readonly produced: number
  readonly elapsedMillis: number
}

/** A scheduled ingest ended with some runs failed (each was logged when it failed): the exit code says so. */
export class IngestRunsFailed extends Schema.TaggedError<IngestRunsFailed>()("IngestRunsFailed", {
  message: Schema.String,
  failedRuns: Schema.Int,
  runs: Schema.Int
}) {}

/** The requests of one run: `count` users split into pages of at most `resultsPerRequest`. */
export const planRequests = (count: number, resultsPerRequest: number): Array<number> =>
  Array.from(
    { length: Math.ceil(count / resultsPerRequest) },
    (_, i) => Math.min(resultsPerRequest, count - i * resultsPerRequest)
  )

/** The schedule of runs after the first: none (once), `every`, `cron`, or back to back; with `for`, only runs starting before `startedAt + for`. */
export const runSchedule = (
  timing: IngestTiming,
  startedAt: number
): Schedule.Schedule<unknown, unknown, Cron.CronParseError> => {
  const base: Schedule.Schedule<unknown, unknown, Cron.CronParseError> = timing.every !== undefined
    ? Schedule.fixed(timing.every)
    : timing.cron !== undefined
    ? Schedule.cron(timing.cron)
    : timing.for !== undefined
    ? Schedule.forever
    : Schedule.recurs(0)
  if (timing.for === undefined) return base
  const deadline = startedAt + Duration.toMillis(timing.for)
  return base.pipe(Schedule.while(({ duration, now }) => now + Duration.toMillis(duration) < deadline))
}

/** A user's record: key = id, value = the `users.v1` JSON text (the producer's client encodes it as UTF-8). */
const toRecord = (user: User): ProducerRecord => ({ key: user.id, value: JSON.stringify(user), headers: RecordHeaders })

/**
 * A user's record with the W3C context of its `create` span. That span starts the user's own trace (the sampler decides
 * once per user, and the `traceparent` carries the decision to the stream) and links to the request that fetched the user.
 */
const toTracedRecord = (topic: string, fetchedBy: Option.Option<Tracer.AnySpan>) => (user: User): Effect.Effect<ProducerRecord> =>
  Effect.useSpan(`create ${topic}`, {
    kind: "producer",
    root: true,
    links: Option.match(fetchedBy, { onNone: () => [], onSome: (span) => [{ span, attributes: { "link.reason": "fetched by" } }] }),
    attributes: {
      ...messagingAttributes("create", topic),
      "messaging.kafka.message.key": user.id,
      "user.id": user.id
    }
  }, (span) => Effect.succeed({ ...toRecord(user), headers: { ...RecordHeaders, ...traceHeaders(span) } }))

/** Fetches pages of users, decodes and transforms them, and publishes every valid user to Kafka; each run is a trace, each user another. */
export const ingest = Effect.fnUntraced(function*(options: IngestOptions) {
  const api = yield* HttpUsers
  const producer = yield* KafkaProducer
  const tracing = yield* References.TracerEnabled
  const counts = yield* Ref.make({ runs: 0, failedRuns: 0, requests: 0, retries: 0, fetched: 0, invalid: 0, produced: 0 })
  const nextPage = yield* Ref.make(1)
  const startedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
  const retry = retrySchedule<HttpUsersError | KafkaError>(options.retry).pipe(
    Schedule.tap(({ duration, input }) =>
      Effect.logWarning(`retrying after ${input._tag}: ${input.message}`).pipe(
        Effect.annotateLogs({ "error.type": input._tag, "retry.delay": Duration.format(duration) }),
        Effect.andThen(countError(input)),
        Effect.andThen(Ref.update(counts, (c) => ({ ...c, retries: c.retries + 1 })))
      )
    )
  )

  const request = Effect.fn("ingest.request")(function*(results: number, n: number) {
    const page = pageOfRequest(n, options.seed !== undefined)
    if (page === undefined) return yield* new HttpUsersRejected({ context: `seed ${options.seed} has no page ${n}: randomuser.me serves ${MaxPage} per seed` })
    const body = yield* api.fetchPage({ results, page, seed: options.seed, nat: options.nat }).pipe(Effect.retry(retry))
    const { invalid, users } = transformPage(body.results, options.nat ?? "")
    yield* Metric.update(usersFetched, body.results.length)
    yield* Metric.update(usersInvalid, invalid.length)
    if (invalid.length > 0) {
      yield* Effect.logWarning(`page ${page}: skipped ${invalid.length} invalid users, first: ${invalid[0]!.message}`)
    }
    if (users.length > 0) {
      // With tracing off, no per-user span is made at all: a disabled tracer still builds a no-op span per call.
      const records = tracing
        ? yield* Effect.forEach(users, toTracedRecord(options.topic, yield* Effect.option(Effect.currentParentSpan)))
        : users.map(toRecord)
      yield* producer.send(options.topic, records).pipe(Effect.retry(retry))
      yield* Metric.update(usersProduced, users.length)
    }
    yield* Ref.update(counts, (c) => ({
      ...c,
      requests: c.requests + 1,
      fetched: c.fetched + body.results.length,
      invalid: c.invalid + invalid.length,
      produced: c.produced + users.length
    }))
  })

  const run = Effect.gen(function*() {
    const sizes = planRequests(options.count, options.resultsPerRequest)
    const first = yield* Ref.getAndUpdate(nextPage, (page) => page + sizes.length)
    yield* Effect.forEach(sizes, (results, i) => request(results, first + i), {
      concurrency: options.concurrency,
      discard: true
    })
    yield* Ref.update(counts, (c) => ({ ...c, runs: c.runs + 1 }))
  }).pipe(Effect.withSpan("ingest.run", { root: true }))

  const progress = progressLines(
    options.progressEvery,
    Effect.map(Ref.get(counts), (c) => `ingest progress: fetched=${c.fetched} invalid=${c.invalid} produced=${c.produced}`)
  )

  // Like an Airflow DAG run: a scheduled run that fails is logged and counted, and the next tick runs anyway;
  // an error no retry can help (configuration, auth) ends the schedule, and a one-shot run fails as it is.
  const scheduled = options.every !== undefined || options.cron !== undefined || options.for !== undefined
  const survivable = (error: HttpUsersError | KafkaError) =>
    error.retryable
      ? Ref.modify(counts, (c) => [c.runs + c.failedRuns + 1, { ...c, failedRuns: c.failedRuns + 1 }] as const).pipe(
        Effect.flatMap((n) =>
          Effect.logError(`run ${n} failed, the schedule goes on: ${error._tag}: ${error.message}`).pipe(
            Effect.annotateLogs({ "error.type": error._tag })
          )
        ),
        Effect.andThen(Metric.update(ingestRunsFailed, 1))
      )
      : Effect.fail(error)
  const eachRun = scheduled ? run.pipe(Effect.catch(survivable)) : run

  const summary = Effect.gen(function*() {
    const finishedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    return { ...(yield* Ref.get(counts)), elapsedMillis: finishedAt - startedAt } satisfies IngestSummary
  })

  const reporter = yield* Effect.forkChild(progress)
  yield* eachRun.pipe(
    Effect.repeat(runSchedule(options, startedAt)),
    Effect.ensuring(Fiber.interrupt(reporter)),
    Effect.onInterrupt(() => options.onInterrupt === undefined ? Effect.void : Effect.flatMap(summary, options.onInterrupt))
  )
  return yield* summary
})
