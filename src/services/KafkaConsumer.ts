import { Context } from "effect"
import type { Effect, Stream } from "effect"
import type { CommitPosition } from "../domain/CommitWatermark.ts"
import type { KafkaConsumerError } from "./KafkaErrors.ts"

/** A message as pulled from a topic partition. */
export interface ConsumedMessage {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: Readonly<Record<string, string>>
  /** Broker or producer timestamp, epoch millis. */
  readonly timestamp: number
}

/**
 * A run of one partition's messages in offset order, as fetched: the stream's unit of work. Batches of a
 * partition chain: each starts (`from`) where the previous one ended, so once a batch and every batch before
 * it are handled, the offset after its last message can be committed.
 */
export interface ConsumedBatch {
  readonly topic: string
  readonly partition: number
  /** The offset this batch continues from: the previous batch's end, or its first message's offset when `start`. */
  readonly from: number
  /** The first batch since this member (re)joined the group and read the partition from its committed offset: nothing before `from` is this member's to handle. */
  readonly start: boolean
  readonly messages: ReadonlyArray<ConsumedMessage>
}

export interface KafkaConsumerShape {
  /** The group's messages, a partition's batches in offset order; pulling is backpressured through a bounded buffer. */
  readonly batches: Stream.Stream<ConsumedBatch, KafkaConsumerError>
  /**
   * Commits positions, each the offset after a handled prefix of its partition: kept at once, sent to Kafka every
   * `KAFKA_COMMIT_INTERVAL`, at a rebalance and on shutdown. A position of a partition this member no longer owns is dropped.
   */
  readonly commit: (positions: ReadonlyArray<CommitPosition>) => Effect.Effect<void>
  /** Sends the kept positions to Kafka now. */
  readonly flush: Effect.Effect<void, KafkaConsumerError>
}

export class KafkaConsumer extends Context.Service<KafkaConsumer, KafkaConsumerShape>()(
  "users-pipeline/services/KafkaConsumer"
) {}

/** What readiness probes (and tests) can see of a consumer. */
export class KafkaConsumerStatus extends Context.Service<KafkaConsumerStatus, {
  /** Whether this member is in a stable group generation (not starting, rebalancing, crashed or stopped). */
  readonly joined: Effect.Effect<boolean>
  /** Messages fetched and waiting in the buffer for the stream to take them. */
  readonly buffered: Effect.Effect<number>
}>()("users-pipeline/services/KafkaConsumerStatus") {}
