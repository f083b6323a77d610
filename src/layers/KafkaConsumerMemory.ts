import { Effect, Layer, Option, Schedule, Stream } from "effect"
import type { Duration } from "effect"
import type { CommitPosition } from "../domain/CommitWatermark.ts"
import { KafkaConsumer } from "../services/KafkaConsumer.ts"
import type { ConsumedBatch } from "../services/KafkaConsumer.ts"
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

/** A group member that owns every partition of the topic, committing the positions it is given like the live consumer. */
export const layer = (log: KafkaMemoryLog, options: KafkaConsumerMemoryOptions) =>
  Layer.effect(
    KafkaConsumer,
    Effect.gen(function*() {
      const { group, topic } = options
      const maxBatch = options.maxBatch ?? 16
      const partitions = log.topic(topic)
      const positions = partitions.map((records, partition) =>
        log.committed(group, topic, partition) ?? (options.startFrom === "latest" ? records.length : 0)
      )
      const started = partitions.map(() => false)
      const kept = new Map<number, CommitPosition>()

      /** Up to `maxBatch` messages of the first partition with any, as one batch. */
      const pullAvailable = (): ConsumedBatch | undefined => {
        const partition = partitions.findIndex((records, p) => positions[p]! < records.length)
        if (partition < 0) return undefined
        const records = partitions[partition]!.slice(positions[partition], positions[partition]! + maxBatch)
        const from = positions[partition]!
        positions[partition] = from + records.length
        const start = !started[partition]
        started[partition] = true
        const messages = records.map((record) => ({ ...record, topic, partition, offset: String(record.offset) }))
        return { topic, partition, from, start, messages }
      }

      const flush = Effect.sync(() => {
        log.commit(group, [...kept.values()])
        kept.clear()
      })

      yield* flush.pipe(Effect.repeat(Schedule.spaced(options.commitInterval ?? "1 second")), Effect.forkScoped)
      yield* Effect.addFinalizer(() => flush)

      const batches = Stream.paginate(undefined, () =>
        Effect.gen(function*() {
          while (true) {
            const appended = log.nextAppend()
            const batch = pullAvailable()
            if (batch !== undefined) return [[batch], Option.some(undefined)] as const
            if (options.endWhenCaughtUp) return [[], Option.none()] as const
            yield* appended
          }
        }))

      return KafkaConsumer.of({
        batches,
        commit: (commits) => Effect.sync(() => commits.forEach((position) => kept.set(position.partition, position))),
        flush
      })
    })
  )
