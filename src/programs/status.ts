import { Effect } from "effect"
import { CassandraStats } from "../services/CassandraStats.ts"
import { DeadLetterQueue } from "../services/DeadLetterQueue.ts"
import { KafkaInspector } from "../services/KafkaInspector.ts"
import type { GroupDescription } from "../services/KafkaInspector.ts"

export interface PartitionLag {
  readonly partition: number
  readonly endOffset: number
  /** null where the group never committed; its lag then counts from where a new group starts (`KAFKA_START_FROM`). */
  readonly committedOffset: number | null
  readonly lag: number
}

export interface TopicStatus {
  readonly topic: string
  readonly groupId: string
  readonly partitions: ReadonlyArray<PartitionLag>
  readonly totalEndOffset: number
  readonly totalLag: number
  readonly group: GroupDescription
}

export interface DeadLetterSummary {
  readonly partition: number
  readonly offset: number
  readonly errorType: string | null
  readonly failedAt: string | null
}

export interface DeadLetterStatus {
  readonly topic: string
  readonly messages: number
  readonly newest: ReadonlyArray<DeadLetterSummary>
}

/** The topic's end offsets, the group's committed offsets and lag per partition, and the group's members. */
export const topicStatus = Effect.fn("status.topic")(function*(topic: string, groupId: string, startFrom: "earliest" | "latest") {
  const inspector = yield* KafkaInspector
  const [offsets, committed, group] = yield* Effect.all([
    inspector.topicOffsets(topic),
    inspector.committedOffsets(groupId, topic),
    inspector.describeGroup(groupId, topic)
  ], { concurrency: "unbounded" })
  const committedBy = new Map(committed.map((c) => [c.partition, c.offset]))
  const partitions = offsets.map(({ partition, low, high }) => {
    const committedOffset = committedBy.get(partition) ?? null
    const position = committedOffset ?? (startFrom === "earliest" ? low : high)
    return { partition, endOffset: high, committedOffset, lag: Math.max(0, high - position) }
  })
  return {
    topic,
    groupId,
    partitions,
    totalEndOffset: partitions.reduce((sum, p) => sum + p.endOffset, 0),
    totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
    group
  } satisfies TopicStatus
})

/** How many letters the dead-letter topic holds, and the newest few. */
export const deadLetterStatus = Effect.fn("status.deadLetters")(function*(newest: number) {
  const dlq = yield* DeadLetterQueue
  const offsets = yield* dlq.offsets
  const letters = yield* dlq.newest(newest, undefined)
  return {
    topic: dlq.topic,
    messages: offsets.reduce((sum, p) => sum + (p.high - p.low), 0),
    newest: letters.map((letter) => ({
      partition: letter.partition,
      offset: letter.offset,
      errorType: letter.info.errorType ?? null,
      failedAt: letter.info.failedAt?.toISOString() ?? null
    }))
  } satisfies DeadLetterStatus
})

/** The users table's row count and newest `written_at`, from a bounded scan. */
export const tableStatus = (rowLimit: number) => Effect.flatMap(CassandraStats, (stats) => stats.scan(rowLimit))
