import { Duration, Effect, Fiber, Metric, References, Result, Schedule, Stream } from "effect"
import type { Context } from "effect"
import { deadLetterHeaders } from "../domain/DeadLetter.ts"
import type { DeadLetterReason } from "../domain/DeadLetter.ts"
import { decodeUserMessage } from "../domain/Poison.ts"
import type { User } from "../domain/User.ts"
import { CassandraRepo } from "../services/CassandraRepo.ts"
import type { CassandraRejected, CassandraWriteError } from "../services/CassandraRepo.ts"
import { KafkaConsumer } from "../services/KafkaConsumer.ts"
import type { ConsumedMessage } from "../services/KafkaConsumer.ts"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { KafkaProduceError } from "../services/KafkaProducer.ts"
import { withMessageSpan } from "./MessageSpan.ts"
import { countError, endToEndLatency, usersDeadLettered, usersWritten, writeLatency } from "./Metrics.ts"
import { retryAfterFailure, retrySchedule } from "./Retry.ts"
import type { RetryableError, RetryPolicy } from "./Retry.ts"

export interface StreamOptions {
  readonly deadLetterTopic: string
  /** Most writes (or dead-letterings) in flight at once. */
  readonly concurrency: number
  /** Backoff for transient Cassandra and Kafka errors; `maxRetries` undefined retries for as long as it takes. */
  readonly retry: RetryPolicy
  /** How often a progress line is logged. */
  readonly progressEvery: Duration.Input
}

const classify = (error: CassandraWriteError | KafkaProduceError): RetryableError => ({
  retryable: error._tag === "CassandraUnavailable" || error._tag === "KafkaUnavailable"
})

/**
 * Pulls users from Kafka, writes each as a Cassandra row (poison messages and rows Cassandra rejects
 * for their own values go to the dead-letter topic), and marks each message done once handled, so only contiguously handled offsets are committed.
 * Interruption stops pulling and lets every in-flight attempt finish and be marked done.
 */
export const stream = Effect.fnUntraced(function*(options: StreamOptions) {
  const consumer = yield* KafkaConsumer
  const producer = yield* KafkaProducer
  const repo = yield* CassandraRepo
  // With tracing off, no per-message span is made at all: a disabled tracer still builds a no-op span per call.
  const tracing = yield* References.TracerEnabled
  const retry = retrySchedule(options.retry, classify).pipe(
    Schedule.tap(({ input }) =>
      Effect.andThen(countError(input), Effect.logWarning(`retrying after ${input._tag}: ${input.message}`))
    )
  )

  // The per-message path is the pipeline's hot loop: metrics are updated in one step, and the retry
  // schedule is only set up once a write has failed (see `retryAfterFailure`).
  const written = (message: ConsumedMessage, startedAt: number) =>
    Effect.clockWith((clock) =>
      Effect.contextWith((context: Context.Context<never>) => {
        const now = clock.currentTimeMillisUnsafe()
        writeLatency.updateUnsafe(now - startedAt, context)
        endToEndLatency.updateUnsafe(Math.max(0, now - message.timestamp), context)
        usersWritten.updateUnsafe(1, context)
        return consumer.markDone(message)
      })
    )

  const write = (message: ConsumedMessage, user: User) => {
    const ingestedAt = new Date(message.timestamp)
    const once = Effect.clockWith((clock) => {
      const startedAt = clock.currentTimeMillisUnsafe()
      return Effect.andThen(repo.upsert(user, ingestedAt), written(message, startedAt))
    })
    // A row Cassandra refuses for its own values goes to the dead-letter topic; a refusal no row can get past stops the stream.
    return retryAfterFailure(Effect.uninterruptible(once), retry).pipe(
      Effect.catchTag("CassandraRejected", (error: CassandraRejected): Effect.Effect<void, CassandraWriteError | KafkaProduceError> =>
        error.affects === "row"
          ? deadLetter(message, { reason: "CassandraRejected", message: error.message })
          : Effect.fail(error))
    )
  }

  const deadLetter = (message: ConsumedMessage, error: { readonly reason: DeadLetterReason; readonly message: string }) =>
    Effect.gen(function*() {
      yield* Effect.logWarning(`dead-lettering ${message.topic}/${message.partition}@${message.offset}: ${error.reason}`)
      yield* Effect.annotateCurrentSpan("error.type", error.reason)
      const failedAt = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
      const headers = { ...message.headers, ...deadLetterHeaders(error, message, failedAt) }
      const once = producer.send(options.deadLetterTopic, [{ key: message.key, value: message.value, headers }]).pipe(
        Effect.andThen(consumer.markDone(message)),
        Effect.andThen(Metric.update(usersDeadLettered, 1)),
        Effect.uninterruptible
      )
      yield* retryAfterFailure(once, retry)
    })

  const handle = (message: ConsumedMessage): Effect.Effect<void, CassandraWriteError | KafkaProduceError> => {
    const decoded = decodeUserMessage(message.value)
    const work: Effect.Effect<void, CassandraWriteError | KafkaProduceError> = Result.isSuccess(decoded)
      ? write(message, decoded.success)
      : deadLetter(message, decoded.failure)
    if (!tracing) return work
    return work.pipe(withMessageSpan({
      name: `process ${message.topic}`,
      headers: message.headers,
      failure: Result.isFailure(decoded) ? decoded.failure : undefined,
      attributes: {
        ...(Result.isSuccess(decoded) ? { "user.id": decoded.success.id } : {}),
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": message.topic,
        "messaging.destination.partition.id": String(message.partition),
        "messaging.kafka.offset": Number(message.offset)
      }
    }))
  }

  const progress = Effect.gen(function*() {
    const done = yield* Effect.all([Metric.value(usersWritten), Metric.value(usersDeadLettered)])
    yield* Effect.logInfo(`stream progress: written=${done[0].count} dead-lettered=${done[1].count}`)
  }).pipe(Effect.delay(options.progressEvery), Effect.forever)
  const reporter = yield* Effect.forkChild(progress)

  yield* consumer.messages.pipe(
    Stream.mapEffect(handle, { concurrency: options.concurrency, unordered: true }),
    Stream.runDrain,
    Effect.ensuring(Fiber.interrupt(reporter))
  )
})
