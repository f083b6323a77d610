import { Console, Duration, Effect, Layer, Option } from "effect"
import { Command } from "effect/cli"
import { layer as HttpUsersLive } from "../layers/HttpUsers.ts"
import { KafkaConfig } from "../layers/KafkaConfig.ts"
import { layer as KafkaProducerLive } from "../layers/KafkaProducer.ts"
import * as Telemetry from "../layers/Telemetry.ts"
import { ingest, IngestRunsFailed, type IngestSummary } from "../programs/ingest.ts"
import { duration, InvalidOptions, optionalDuration, optionalNats, optionalString, parseCron, positiveInt } from "./Flags.ts"

const flags = {
  count: positiveInt("count", "INGEST_COUNT", 1000, "users to fetch per run"),
  resultsPerRequest: positiveInt("results-per-request", "INGEST_RESULTS_PER_REQUEST", 5000, "users per API request", 5000),
  concurrency: positiveInt("concurrency", "INGEST_CONCURRENCY", 2, "API requests in flight at once"),
  seed: optionalString("seed", "INGEST_SEED", "randomuser seed: the same seed and page give the same users"),
  nat: optionalNats("nat", "USERS_API_NAT", "nationalities, comma-separated v1.4 codes such as us,gb (all when absent)"),
  every: optionalDuration("every", "INGEST_EVERY", "repeat the run on this interval, e.g. '10 minutes'"),
  cron: optionalString("cron", "INGEST_CRON", "repeat the run on a cron expression (UTC) or an Airflow preset such as @daily"),
  for: optionalDuration("for", "INGEST_FOR", "keep running (back to back, or with --every/--cron) for this long, e.g. '60 seconds'"),
  retryBase: duration("retry-base", "INGEST_RETRY_BASE", "200 millis", "first retry delay; doubles each retry, with jitter"),
  retryCap: duration("retry-cap", "INGEST_RETRY_CAP", "30 seconds", "longest delay between retries"),
  maxRetries: positiveInt("max-retries", "INGEST_MAX_RETRIES", 8, "retries of one request before the run fails"),
  progressEvery: duration("progress-every", "INGEST_PROGRESS_EVERY", "5 seconds", "how often a progress line is logged")
}

const IngestLive = Layer.mergeAll(HttpUsersLive, KafkaProducerLive).pipe(
  Layer.provideMerge(Telemetry.layer("users-ingest"))
)

const printSummary = (how: "done" | "stopped", summary: IngestSummary) => {
  const seconds = Duration.toSeconds(Duration.millis(summary.elapsedMillis))
  return Console.log(
    `ingest ${how}: runs=${summary.runs} failed_runs=${summary.failedRuns} requests=${summary.requests} retries=${summary.retries} ` +
      `fetched=${summary.fetched} invalid=${summary.invalid} produced=${summary.produced} ` +
      `elapsed=${seconds.toFixed(1)}s rate=${(summary.produced / Math.max(seconds, 0.001)).toFixed(0)} users/s`
  )
}

const runsFailed = (summary: IngestSummary) =>
  summary.failedRuns === 0 ? undefined : new IngestRunsFailed({
    message: `${summary.failedRuns} of ${summary.runs + summary.failedRuns} runs failed (each is logged above)`,
    failedRuns: summary.failedRuns,
    runs: summary.runs
  })

/** A signal ended the schedule: the summary still prints, and the exit code still says whether a run failed. */
const stopped = (summary: IngestSummary) =>
  Effect.gen(function*() {
    yield* printSummary("stopped", summary)
    const failed = runsFailed(summary)
    if (failed === undefined) return
    yield* Console.error(`error: ${failed._tag}: ${failed.message}`)
    yield* Effect.sync(() => void (process.exitCode = 1))
  })

/** `ingest`: randomuser API → Kafka, once or on a schedule. */
export const ingestCommand = Command.make("ingest", flags, (input) =>
  Effect.gen(function*() {
    if (Option.isSome(input.every) && Option.isSome(input.cron)) {
      return yield* new InvalidOptions({ message: "--every and --cron cannot be used together" })
    }
    const cron = Option.isSome(input.cron) ? yield* parseCron(input.cron.value) : undefined
    const kafka = yield* KafkaConfig.config
    const summary = yield* ingest({
      topic: kafka.topic,
      count: input.count,
      resultsPerRequest: input.resultsPerRequest,
      concurrency: input.concurrency,
      seed: Option.getOrUndefined(input.seed),
      nat: Option.getOrUndefined(input.nat),
      every: Option.getOrUndefined(input.every),
      cron,
      for: Option.getOrUndefined(input.for),
      retry: { base: input.retryBase, cap: input.retryCap, maxRetries: input.maxRetries },
      progressEvery: input.progressEvery,
      onInterrupt: stopped
    }).pipe(Effect.provide(IngestLive.pipe(Layer.provide(Layer.succeed(KafkaConfig, kafka)))))
    yield* printSummary("done", summary)
    const failed = runsFailed(summary)
    if (failed !== undefined) return yield* failed
  })).pipe(Command.withDescription("Fetch users from the randomuser API and publish them to Kafka"))
