import { Effect } from "effect"
import type { Scope } from "effect"
import type { Consumer, IHeaders, Kafka, KafkaMessage } from "kafkajs"
import type { ConsumedMessage } from "../services/KafkaConsumer.ts"
import { KafkaUnavailable } from "../services/KafkaErrors.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"
import { connectWithin, disconnect, kafkaRetry } from "./KafkaClient.ts"
import { kafkaFailure, toKafkaError } from "./KafkaErrors.ts"
import type { KafkaConfigShape } from "./KafkaConfig.ts"

/** The offsets `[from, to)` of one partition. */
export interface OffsetRange {
  readonly partition: number
  readonly from: number
  readonly to: number
}

/** A group member that read some ranges and may commit positions (with metadata) while it is still joined. */
export interface RangeReading {
  readonly messages: ReadonlyArray<ConsumedMessage>
  readonly commit: (
    positions: ReadonlyArray<{ readonly partition: number; readonly offset: number; readonly metadata: string }>
  ) => Effect.Effect<void, KafkaError>
}

const readDeadline = "60 seconds"

const headerText = (headers: IHeaders | undefined): Record<string, string> => {
  const text: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value
    if (last !== undefined) text[name] = last.toString()
  }
  return text
}

const toMessage = (topic: string, partition: number, message: KafkaMessage): ConsumedMessage => ({
  topic,
  partition,
  offset: message.offset,
  key: message.key ?? null,
  value: message.value ?? null,
  headers: headerText(message.headers),
  timestamp: Number(message.timestamp)
})

const readAll = (consumer: Consumer, topic: string, ranges: ReadonlyArray<OffsetRange>) =>
  new Promise<Array<ConsumedMessage>>((resolve, reject) => {
    const pending = new Map(ranges.map((range) => [range.partition, range]))
    const messages: Array<ConsumedMessage> = []
    consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error))
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        const range = pending.get(batch.partition)
        if (range === undefined) return consumer.pause([{ topic, partitions: [batch.partition] }])
        for (const message of batch.messages) {
          const offset = Number(message.offset)
          if (offset >= range.from && offset < range.to) messages.push(toMessage(topic, batch.partition, message))
          if (offset >= range.to - 1) {
            pending.delete(batch.partition)
            consumer.pause([{ topic, partitions: [batch.partition] }])
            break
          }
        }
        if (pending.size === 0) resolve(messages)
      }
    }).then(() => {
      for (const range of ranges) consumer.seek({ topic, partition: range.partition, offset: String(range.from) })
    }, reject)
  })

/**
 * Joins `groupId` on `topic` and reads the given offset ranges (each must end at or before the partition's end offset);
 * the member stays joined, so it can commit, until the scope closes. A group that has other live members splits the
 * partitions with them: callers make sure it has none.
 */
export const readRanges = (
  kafka: Kafka,
  config: KafkaConfigShape,
  groupId: string,
  topic: string,
  ranges: ReadonlyArray<OffsetRange>
): Effect.Effect<RangeReading, KafkaError, Scope.Scope> =>
  Effect.gen(function*() {
    const wanted = ranges.filter((range) => range.to > range.from)
    const consumer = yield* Effect.acquireRelease(
      Effect.sync(() =>
        kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250, retry: { ...kafkaRetry, retries: 3 } })
      ),
      (consumer) => disconnect("Kafka consumer", consumer)
    )
    yield* connectWithin(config, "Kafka consumer", () => consumer.connect(), kafkaFailure, kafka)
    yield* Effect.tryPromise({
      try: () => consumer.subscribe({ topic, fromBeginning: true }),
      catch: (error) => toKafkaError(error, `subscribing to ${topic}`)
    })
    const messages = wanted.length === 0 ? [] : yield* Effect.tryPromise({
      try: () => readAll(consumer, topic, wanted),
      catch: (error) => toKafkaError(error, `reading ${topic}`)
    }).pipe(
      Effect.timeoutOrElse({
        duration: readDeadline,
        orElse: () => Effect.fail(new KafkaUnavailable({ context: `reading ${topic}: not done within ${readDeadline}` }))
      })
    )
    const commit: RangeReading["commit"] = (positions) =>
      positions.length === 0 ? Effect.void : Effect.tryPromise({
        try: () => consumer.commitOffsets(positions.map(({ partition, offset, metadata }) => ({ topic, partition, offset: String(offset), metadata }))),
        catch: (error) => toKafkaError(error, `committing group ${groupId} on ${topic}`)
      })
    return { messages, commit }
  })
