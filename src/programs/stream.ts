import { Deferred, Duration, Effect, Fiber, Metric, Queue, References, Result, Schedule, Semaphore, Stream } from "effect"
import type { Context } from "effect"
import { CommitWatermark } from "../domain/CommitWatermark.ts"
import type { HandledRange } from "../domain/CommitWatermark.ts"
import { deadLetterHeaders } from "../domain/DeadLetter.ts"
import type { DeadLetterReason } from "../domain/DeadLetter.ts"
import { decodeUserMessage } from "../domain/Poison.ts"
import { messagingAttributes } from "../domain/TraceContext.ts"
import type { User } from "../domain/User.ts"
import { CassandraRepo } from "../services/CassandraRepo.ts"
import type { CassandraRejected, CassandraWriteError } from "../services/CassandraRepo.ts"
import { KafkaConsumer } from "../services/KafkaConsumer.ts"
import type { ConsumedBatch, ConsumedMessage } from "../services/KafkaConsumer.ts"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"
import { withMessageSpan } from "./MessageSpan.ts"
import { countError, endToEndLatency, progressLines, usersDeadLettered, usersWritten, writeLatency } from "./Metrics.ts"
import { retryAfterFailure, retrySchedule } from "./Retry.ts"
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

/**
 * Pulls users from Kafka a batch at a time, writes each as a Cassandra row (poison messages and rows Cassandra rejects
 * for their own values go to the dead-letter topic), and commits each partition up to its first message not yet handled.
 * Interruption stops the pulling and the starting of writes, lets every write in flight finish, and commits what was handled.
 */
export const stream = Effect.fnUntraced(function*(options: StreamOptions) {
  const consumer = yield* KafkaConsumer
  const producer = yield* KafkaProducer
  const repo = yield* CassandraRepo
  // With tracing off, no per-message span is made at all: a disabled tracer still builds a no-op span per call.
  const tracing = yield* References.TracerEnabled
  const permits = yield* Semaphore.make(options.concurrency)
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

  const write = (message: ConsumedMessage, user: User, onRetry: Effect.Effect<void>) => {
    const ingestedAt = new Date(message.timestamp)
    const once = attempt(Effect.clockWith((clock) => {
      const startedAt = clock.currentTimeMillisUnsafe()
      return Effect.andThen(repo.upsert(user, ingestedAt), written(message, startedAt))
    }))
    // A row Cassandra refuses for its own values goes to the dead-letter topic; a refusal no row can get past stops the stream.
    return retryAfterFailure(once, retry, { onFailure: onRetry, stop }).pipe(
      Effect.catchTag("CassandraRejected", (error: CassandraRejected): Effect.Effect<boolean, StreamError> =>
        error.affects === "row"
          ? deadLetter(message, { reason: "CassandraRejected", message: error.message }, onRetry)
          : Effect.fail(error))
    )
  }

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

  /** Writes or dead-letters one message: true once it is handled, false when a stop came first. */
  const handle = (message: ConsumedMessage, onRetry: Effect.Effect<void>): Effect.Effect<boolean, StreamError> => {
    const decoded = decodeUserMessage(message.value)
    const work = Result.isSuccess(decoded)
      ? write(message, decoded.success, onRetry)
      : deadLetter(message, decoded.failure, onRetry)
    if (!tracing) return work
    return work.pipe(withMessageSpan({
      name: `process ${message.topic}`,
      headers: message.headers,
      failure: Result.isFailure(decoded) ? decoded.failure : undefined,
      // built only for a message that is traced
      attributes: () => ({
        ...(Result.isSuccess(decoded) ? { "user.id": decoded.success.id } : {}),
        ...messagingAttributes("process", message.topic),
        "messaging.destination.partition.id": String(message.partition),
        "messaging.kafka.offset": Number(message.offset)
      })
    }))
  }

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
    return Effect.forEach(messages, (message, i) =>
      Effect.map(handle(message, onRetry), (done) => {
        if (!done) return
        handled[i] = 1
        if (retrying) report()
      }), { concurrency: "unbounded", discard: true }).pipe(Effect.andThen(Effect.sync(handledRange)))
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
    Stream.flatMap((batch) => Stream.fromArray(slices(batch, options.concurrency))),
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
