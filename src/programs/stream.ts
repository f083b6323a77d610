import { Clock, Duration, Effect, Fiber, Metric, Result, Schedule, Stream } from "effect"
import type { Tracer } from "effect"
import { deadLetterHeaders } from "../domain/DeadLetter.ts"
import { decodeUserMessage } from "../domain/Poison.ts"
import { remoteParent } from "../domain/TraceContext.ts"
import type { PoisonMessage } from "../domain/Poison.ts"
import type { User } from "../domain/User.ts"
import { CassandraRepo } from "../services/CassandraRepo.ts"
import type { CassandraWriteError } from "../services/CassandraRepo.ts"
import { KafkaConsumer } from "../services/KafkaConsumer.ts"
import type { ConsumedMessage } from "../services/KafkaConsumer.ts"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { KafkaProduceError } from "../services/KafkaProducer.ts"
import { countError, endToEndLatency, usersDeadLettered, usersWritten, writeLatency } from "./Metrics.ts"
import { retrySchedule } from "./Retry.ts"
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
 * Pulls users from Kafka, writes each as a Cassandra row (poison messages go to the dead-letter
 * topic), and marks each message done once handled, so only contiguously handled offsets are committed.
 * Interruption stops pulling and lets every in-flight attempt finish and be marked done.
 */
export const stream = Effect.fnUntraced(function*(options: StreamOptions) {
  const consumer = yield* KafkaConsumer
  const producer = yield* KafkaProducer
  const repo = yield* CassandraRepo
  const retry = retrySchedule(options.retry, classify).pipe(
    Schedule.tap(({ input }) =>
      Effect.andThen(countError(input), Effect.logWarning(`retrying after ${input._tag}: ${input.message}`))
    )
  )

  const written = (message: ConsumedMessage, elapsed: Duration.Duration) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      yield* Metric.update(writeLatency, Duration.toMillis(elapsed))
      yield* Metric.update(endToEndLatency, Math.max(0, now - message.timestamp))
      yield* Metric.update(usersWritten, 1)
    })

  const write = (message: ConsumedMessage, user: User) =>
    repo.upsert(user, new Date(message.timestamp)).pipe(
      Effect.timed,
      Effect.flatMap(([elapsed]) => Effect.andThen(consumer.markDone(message), written(message, elapsed))),
      Effect.uninterruptible,
      Effect.retry(retry)
    )

  const deadLetter = (message: ConsumedMessage, error: PoisonMessage) =>
    Effect.gen(function*() {
      yield* Effect.logWarning(`dead-lettering ${message.topic}/${message.partition}@${message.offset}: ${error.reason}`)
      const failedAt = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
      const headers = { ...message.headers, ...deadLetterHeaders(error, message, failedAt) }
      yield* producer.send(options.deadLetterTopic, [{ key: message.key, value: message.value, headers }]).pipe(
        Effect.andThen(consumer.markDone(message)),
        Effect.andThen(Metric.update(usersDeadLettered, 1)),
        Effect.uninterruptible,
        Effect.retry(retry)
      )
    })

  const handle = (message: ConsumedMessage): Effect.Effect<void, CassandraWriteError | KafkaProduceError> => {
    const parent = remoteParent(message.headers)
    const work: Effect.Effect<void, CassandraWriteError | KafkaProduceError> = Result.match(decodeUserMessage(message.value), {
      onSuccess: (user) => Effect.andThen(Effect.annotateCurrentSpan("user.id", user.id), write(message, user)),
      onFailure: (error) => deadLetter(message, error)
    })
    const span: Tracer.SpanOptions = {
      kind: "consumer",
      captureStackTrace: false,
      root: parent === undefined,
      ...(parent === undefined ? {} : { parent }),
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": message.topic,
        "messaging.destination.partition.id": String(message.partition),
        "messaging.kafka.offset": Number(message.offset)
      }
    }
    return Effect.withSpan(work, `process ${message.topic}`, span)
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
