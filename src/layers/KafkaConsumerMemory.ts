import { Effect, Layer, Option, Schedule, Stream } from "effect"
import type { Duration } from "effect"
import { OffsetWatermark } from "../domain/OffsetWatermark.ts"
import { KafkaConsumer } from "../services/KafkaConsumer.ts"
import type { ConsumedMessage } from "../services/KafkaConsumer.ts"
import type { KafkaMemoryLog } from "./KafkaMemoryLog.ts"

export interface KafkaConsumerMemoryOptions {
  readonly topic: string
  readonly group: string
  /** Where a partition without a committed position starts. */
  readonly startFrom?: "earliest" | "latest"
  /** Most messages handed over per pull. */
  readonly maxBatch?: number
  readonly commitInterval?: Duration.Input
  /** End the stream once every partition is read to its end, instead of waiting for more. */
  readonly endWhenCaughtUp?: boolean
}

/** A group member that owns every partition of the topic, committing the done watermark like the live consumer. */
export const layer = (log: KafkaMemoryLog, options: KafkaConsumerMemoryOptions) =>
  Layer.effect(
    KafkaConsumer,
    Effect.gen(function*() {
      const { group, topic } = options
      const maxBatch = options.maxBatch ?? 16
      const watermark = new OffsetWatermark()
      const partitions = log.topic(topic)
      const positions = partitions.map((records, partition) =>
        log.committed(group, topic, partition) ?? (options.startFrom === "latest" ? records.length : 0)
      )

      const pullAvailable = (): Array<ConsumedMessage> => {
        const batch: Array<ConsumedMessage> = []
        partitions.forEach((records, partition) => {
          while (batch.length < maxBatch && positions[partition]! < records.length) {
            const record = records[positions[partition]!++]!
            watermark.track(topic, partition, record.offset)
            batch.push({ ...record, topic, partition, offset: String(record.offset) })
          }
        })
        return batch
      }

      const commit = Effect.sync(() => log.commit(group, watermark.takeCommittable()))

      yield* commit.pipe(Effect.repeat(Schedule.spaced(options.commitInterval ?? "1 second")), Effect.forkScoped)
      yield* Effect.addFinalizer(() => commit)

      const messages = Stream.paginate(undefined, () =>
        Effect.gen(function*() {
          while (true) {
            const appended = log.nextAppend()
            const batch = pullAvailable()
            if (batch.length > 0) return [batch, Option.some(undefined)] as const
            if (options.endWhenCaughtUp) return [batch, Option.none()] as const
            yield* appended
          }
        }))

      return KafkaConsumer.of({
        messages,
        markDone: (message) =>
          Effect.sync(() => watermark.markDone(message.topic, message.partition, Number(message.offset))),
        commit
      })
    })
  )
