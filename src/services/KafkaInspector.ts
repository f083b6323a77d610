import { Context } from "effect"
import type { Effect } from "effect"
import type { KafkaError } from "./KafkaErrors.ts"

/** A partition's first and next offsets (`high` is the end offset: the offset the next message will get). */
export interface PartitionOffsets {
  readonly partition: number
  readonly low: number
  readonly high: number
}

/** A group's committed position in a partition; `offset` is null where it never committed. */
export interface CommittedOffset {
  readonly partition: number
  readonly offset: number | null
  readonly metadata: string | null
}

export interface GroupMember {
  readonly memberId: string
  readonly clientId: string
  readonly host: string
  /** The partitions of the inspected topic assigned to this member. */
  readonly partitions: ReadonlyArray<number>
}

export interface GroupDescription {
  readonly groupId: string
  /** Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  readonly state: string
  readonly members: ReadonlyArray<GroupMember>
}

/** Read-only questions to the Kafka cluster (admin API), in the `KafkaUnavailable` / `KafkaRejected` vocabulary. */
export interface KafkaInspectorShape {
  /** Each partition's low and end offsets, by partition. */
  readonly topicOffsets: (topic: string) => Effect.Effect<ReadonlyArray<PartitionOffsets>, KafkaError>
  /** The group's committed offsets (with their metadata) in the topic, by partition. */
  readonly committedOffsets: (groupId: string, topic: string) => Effect.Effect<ReadonlyArray<CommittedOffset>, KafkaError>
  /** The group's state and members, with each member's partitions of `topic`. */
  readonly describeGroup: (groupId: string, topic: string) => Effect.Effect<GroupDescription, KafkaError>
}

export class KafkaInspector extends Context.Service<KafkaInspector, KafkaInspectorShape>()(
  "users-pipeline/services/KafkaInspector"
) {}
