import { Deferred, Duration, Effect, Exit, Fiber, Metric, Queue, Result, Schedule, Semaphore, Stream } from "effect"
import type { Context, Tracer } from "effect"
import { CommitWatermark } from "../domain/CommitWatermark.ts"
import type { HandledRange } from "../domain/CommitWatermark.ts"
import { deadLetterHeaders } from "../domain/DeadLetter.ts"
import type { DeadLetterReason } from "../domain/DeadLetter.ts"
import { decodeUserMessage } from "../domain/Poison.ts"
import type { PoisonMessage } from "../domain/Poison.ts"
import { messagingAttributes } from "../domain/TraceContext.ts"
import type { User } from "../domain/User.ts"
import { CassandraRepo } from "../services/CassandraRepo.ts"
import type { CassandraRejected, CassandraWriteError } from "../services/CassandraRepo.ts"
import { KafkaConsumer } from "../services/KafkaConsumer.ts"
import type { ConsumedBatch, ConsumedMessage } from "../services/KafkaConsumer.ts"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"
import { messageSampler, startMessageSpan, underMessageSpan, withMessageSpan } from "./MessageSpan.ts"
import type { MessageSampling } from "./MessageSpan.ts"
import { countError, endToEndLatency, progressLines, usersDeadLettered, usersWritten, writeLatency } from "./Metrics.ts"
import { retryAfterFailure, retryFrom, retrySchedule } from "./Retry.ts"
import type { RetryPolicy } from "./Retry.ts"

export interface StreamOptions {
  readonly deadLetterTopic: string
  /** Most writes (or dead-letterings) in flight at once. */
  readonly concurrency: number
  /** Backoff for transient Cassandra and Kafka errors; `maxRetries` undefined retries for as long as it takes. */
  readonly retry: RetryPolicy
  /** How often a progress line is logged. */
  readonly progressEvery: Duration.Input
}

type StreamError = CassandraWriteError | KafkaError

/** Batches handled at once: while one finishes its last writes, the next one's start. */
const batchesInFlight = 2

/** A batch cut into runs of at most `size` messages, each continuing from where the previous one ends. */
const slices = (batch: ConsumedBatch, size: number): ReadonlyArray<ConsumedBatch> => {
  if (batch.messages.length <= size) return [batch]
  const out: Array<ConsumedBatch> = []
  for (let i = 0; i < batch.messages.length; i += size) {
    const messages = batch.messages.slice(i, i + size)
    const from = i === 0 ? batch.from : Number(batch.messages[i - 1]!.offset) + 1
    out.push({ ...batch, from, start: batch.start && i === 0, messages })
  }
  return out
}

/** The spans of a batch none of whose messages is traced. */
const noSpans: ReadonlyArray<undefined> = []

/** A message's `process` span attributes (its user's id once decoded). */
const processAttributes = (message: ConsumedMessage, user: User | undefined) => ({
  ...(user === undefined ? {} : { "user.id": user.id }),
  ...messagingAttributes("process", message.topic),
  "messaging.destination.partition.id": String(message.partition),
  "messaging.kafka.offset": Number(message.offset)
})

/**
 * Pulls users from Kafka a batch at a time, writes each as a Cassandra row (poison messages and rows Cassandra rejects
 * for their own values go to the dead-letter topic), and commits each partition up to its first message not yet handled.
 * Interruption stops the pulling and the starting of writes, lets every write in flight finish, and commits what was handled.
 */
export const stream = Effect.fnUntraced(function*(options: StreamOptions) {
  const consumer = yield* KafkaConsumer
  const producer = yield* KafkaProducer
  const repo = yield* CassandraRepo
  // Each message's sampling, decided before any span: with tracing off (or unsampled) a message gets no span at all.
  const sample = yield* messageSampler
  const permits = yield* Semaphore.make(options.concurrency)
  // Batches are cut so that those in flight can hold a permit per row each: one's bulk write need not wait for the other's.
  const sliceSize = Math.max(1, Math.ceil(options.concurrency / batchesInFlight))
  const stopping = yield* Deferred.make<void>()
  /** A stop ends the waiting between retries: the message stays unhandled (a write in flight still finishes). */
  const stop = Effect.as(Deferred.await(stopping), false)
  const retry = retrySchedule<StreamError>(options.retry).pipe(
    Schedule.tap(({ input }) =>
      Effect.andThen(countError(input), Effect.logWarning(`retrying after ${input._tag}: ${input.message}`))
    )
  )

  /** One attempt of a write or dead-lettering, holding one of the `concurrency` permits; none starts once stopping (false). */
  const attempt = <E>(work: Effect.Effect<void, E>): Effect.Effect<boolean, E> =>
    permits.withPermit(Effect.uninterruptible(Effect.suspend(() =>
      Deferred.isDoneUnsafe(stopping) ? Effect.succeed(false) : Effect.as(work, true)
    )))

  const written = (message: ConsumedMessage, startedAt: number) =>
    Effect.clockWith((clock) =>
      Effect.contextWith((context: Context.Context<never>) => {
        const now = clock.currentTimeMillisUnsafe()
        writeLatency.updateUnsafe(now - startedAt, context)
        endToEndLatency.updateUnsafe(Math.max(0, now - message.timestamp), context)
        usersWritten.updateUnsafe(1, context)
        return Effect.void
      })
    )

  /** Rows Cassandra refuses for their own values go to the dead-letter topic; a refusal no row can get past stops the stream. */
  const deadLetterRejected = (writing: Effect.Effect<boolean, StreamError>, message: ConsumedMessage, onRetry: Effect.Effect<void>) =>
    Effect.catchTag(writing, "CassandraRejected", (error: CassandraRejected): Effect.Effect<boolean, StreamError> =>
      error.affects === "row"
        ? deadLetter(message, { reason: "CassandraRejected", message: error.message }, onRetry)
        : Effect.fail(error))

  const writeOnce = (message: ConsumedMessage, user: User) => {
    const ingestedAt = new Date(message.timestamp)
    return attempt(Effect.clockWith((clock) => {
      const startedAt = clock.currentTimeMillisUnsafe()
      return Effect.andThen(repo.upsert(user, ingestedAt), written(message, startedAt))
    }))
  }

  /** A row whose write in bulk failed: retried on its own from that failure; a row Cassandra refuses is dead-lettered. */
  const writeAfter = (failure: CassandraWriteError, message: ConsumedMessage, user: User, onRetry: Effect.Effect<void>) =>
    deadLetterRejected(retryFrom(failure, writeOnce(message, user), retry, { onFailure: onRetry, stop }), message, onRetry)

  /** A traced message's `process` span (undefined for an untraced one): made before its row's write, ended after it. */
  const processSpan = (message: ConsumedMessage, user: User, sampling: MessageSampling) =>
    sampling.traced
      ? startMessageSpan({ name: `process ${message.topic}`, headers: message.headers, attributes: () => processAttributes(message, user) }, sampling)
      : Effect.succeed(undefined)

  /**
   * Writes users' rows in one `upsertAll`, holding a permit per row: true for each row written, false for all when a
   * stop came first. A traced message's `process` span lasts from before the bulk write to its row's outcome. A row
   * that failed is retried on its own from that failure with the stream's backoff (in its span, if traced). Every row
   * counts the whole bulk write as its write latency.
   */
  const writeAll = (
    messages: ReadonlyArray<ConsumedMessage>,
    users: ReadonlyArray<User>,
    samplings: ReadonlyArray<MessageSampling>,
    onRetry: Effect.Effect<void>,
    done: (i: number, handled: boolean) => void
  ): Effect.Effect<void, StreamError> =>
    permits.withPermits(messages.length)(Effect.uninterruptible(Effect.suspend(() => {
      if (Deferred.isDoneUnsafe(stopping)) return Effect.succeed(undefined)
      const starting = samplings.some((sampling) => sampling.traced)
        ? Effect.forEach(messages, (message, i) => processSpan(message, users[i]!, samplings[i]!))
        : Effect.succeed(noSpans)
      return Effect.flatMap(
        starting,
        (spans: ReadonlyArray<Tracer.Span | undefined>) =>
          Effect.clockWith((clock) => {
            const startedAt = clock.currentTimeMillisUnsafe()
            const rows = messages.map((message, i) => ({ user: users[i]!, ingestedAt: new Date(message.timestamp), span: spans[i] }))
            return Effect.map(repo.upsertAll(rows), (outcomes) => ({ outcomes, startedAt, spans }))
          })
      )
    }))).pipe(Effect.flatMap((bulk) => {
      if (bulk === undefined) return Effect.sync(() => messages.forEach((_, i) => done(i, false)))
      return Effect.clockWith((clock) =>
        Effect.contextWith((context: Context.Context<never>) => {
          const now = clock.currentTimeMillisUnsafe()
          const nowNanos = clock.currentTimeNanosUnsafe()
          const retrying: Array<Effect.Effect<void, StreamError>> = []
          let count = 0
          bulk.outcomes.forEach((failure, i) => {
            const message = messages[i]!
            const span = bulk.spans[i]
            if (failure !== undefined) {
              const again = writeAfter(failure, message, users[i]!, onRetry)
              retrying.push(Effect.map(underMessageSpan(span, again), (handled) => done(i, handled)))
              return
            }
            writeLatency.updateUnsafe(now - bulk.startedAt, context)
            endToEndLatency.updateUnsafe(Math.max(0, now - message.timestamp), context)
            count++
            span?.end(nowNanos, Exit.void)
            done(i, true)
          })
          usersWritten.updateUnsafe(count, context)
          return retrying.length === 0 ? Effect.void : Effect.all(retrying, { concurrency: "unbounded", discard: true })
        })
      )
    }))

  const deadLetter = (
    message: ConsumedMessage,
    error: { readonly reason: DeadLetterReason; readonly message: string },
    onRetry: Effect.Effect<void>
  ) =>
    Effect.gen(function*() {
      yield* Effect.logWarning(`dead-lettering ${message.topic}/${message.partition}@${message.offset}: ${error.reason}`)
      yield* Effect.annotateCurrentSpan("error.type", error.reason)
      const failedAt = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
      const headers = { ...message.headers, ...deadLetterHeaders(error, message, failedAt) }
      const once = attempt(
        producer.send(options.deadLetterTopic, [{ key: message.key, value: message.value, headers }]).pipe(
          Effect.andThen(Metric.update(usersDeadLettered, 1))
        )
      )
      return yield* retryAfterFailure(once, retry, { onFailure: onRetry, stop })
    })

  /** Dead-letters a poison message, in its span when traced: true once it is handled, false when a stop came first. */
  const deadLetterPoison = (
    message: ConsumedMessage,
    poison: PoisonMessage,
    sampling: MessageSampling,
    onRetry: Effect.Effect<void>
  ): Effect.Effect<boolean, StreamError> =>
    deadLetter(message, poison, onRetry).pipe(withMessageSpan({
      name: `process ${message.topic}`,
      headers: message.headers,
      sampling,
      failure: poison,
      attributes: () => processAttributes(message, undefined)
    }))

  // Ranges of batches still retrying a message: the commit follows their handled prefix meanwhile.
  const progressWhileRetrying = yield* Queue.unbounded<HandledRange>()

  /** Writes or dead-letters a batch's messages concurrently: the range of offsets handled (a prefix of it, when stopped). */
  const handleBatch = (batch: ConsumedBatch): Effect.Effect<ReadonlyArray<HandledRange>, StreamError> => {
    const { messages } = batch
    const handled = new Uint8Array(messages.length)
    let prefix = 0
    let reported = 0
    let retrying = false
    const handledRange = (): ReadonlyArray<HandledRange> => {
      while (prefix < messages.length && handled[prefix] === 1) prefix++
      if (prefix === reported) return []
      reported = prefix
      const through = prefix === messages.length ? Number(messages[prefix - 1]!.offset) + 1 : Number(messages[prefix]!.offset)
      return [{ topic: batch.topic, partition: batch.partition, from: batch.from, through, start: batch.start }]
    }
    const report = () => handledRange().forEach((range) => Queue.offerUnsafe(progressWhileRetrying, range))
    const onRetry = Effect.sync(() => {
      retrying = true
      report()
    })
    const done = (i: number, handledNow: boolean) => {
      if (!handledNow) return
      handled[i] = 1
      if (retrying) report()
    }
    // Valid users are written in bulk; poison messages are dead-lettered one by one.
    const bulk: Array<number> = []
    const users: Array<User> = []
    const samplings: Array<MessageSampling> = []
    const single: Array<Effect.Effect<void, StreamError>> = []
    messages.forEach((message, i) => {
      const decoded = decodeUserMessage(message.value)
      const sampling = sample(message.headers)
      if (Result.isSuccess(decoded)) {
        bulk.push(i)
        users.push(decoded.success)
        samplings.push(sampling)
      } else {
        single.push(Effect.map(deadLetterPoison(message, decoded.failure, sampling, onRetry), (handledNow) => done(i, handledNow)))
      }
    })
    if (bulk.length > 0) {
      single.push(writeAll(bulk.map((i) => messages[i]!), users, samplings, onRetry, (j, handledNow) => done(bulk[j]!, handledNow)))
    }
    return Effect.all(single, { concurrency: "unbounded", discard: true }).pipe(Effect.andThen(Effect.sync(handledRange)))
  }

  const progress = progressLines(
    options.progressEvery,
    Effect.map(
      Effect.all([Metric.value(usersWritten), Metric.value(usersDeadLettered)]),
      ([written, deadLettered]) => `stream progress: written=${written.count} dead-lettered=${deadLettered.count}`
    )
  )
  const reporter = yield* Effect.forkChild(progress)

  // pull → decode, write or dead-letter → commit
  const pipeline = consumer.batches.pipe(
    Stream.flatMap((batch) => Stream.fromArray(slices(batch, sliceSize))),
    Stream.rechunk(1),
    Stream.interruptWhen(Deferred.await(stopping)),
    Stream.mapEffect(handleBatch, { concurrency: batchesInFlight, unordered: true }),
    Stream.flattenIterable,
    Stream.merge(Stream.fromQueue(progressWhileRetrying), { haltStrategy: "left" }),
    Stream.mapAccum(() => new CommitWatermark(), (watermark, range) => {
      const moved = watermark.add(range)
      return [watermark, moved === undefined ? [] : [moved]] as const
    }),
    Stream.runForEach((position) => consumer.commit([position]))
  )
  const running = yield* Effect.forkChild(pipeline)
  // An interruption is a stop: no pull and no write starts any more, the writes in flight finish and what was handled is committed.
  yield* Fiber.join(running).pipe(
    Effect.onInterrupt(() => Effect.andThen(Deferred.succeed(stopping, undefined), Fiber.await(running))),
    Effect.ensuring(Fiber.interrupt(reporter))
  )
})
