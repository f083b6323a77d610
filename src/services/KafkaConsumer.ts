import { Context, Schema } from "effect"
import type { Effect, Stream } from "effect"

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

/** The consumer lost its connection or group membership; it may recover by itself. */
export class KafkaConsumerError extends Schema.TaggedError<KafkaConsumerError>()("KafkaConsumerError", {
  message: Schema.String,
  retryable: Schema.Boolean
}) {}

export interface KafkaConsumerShape {
  /** The group's messages in partition order; pulling is backpressured through a bounded buffer. */
  readonly messages: Stream.Stream<ConsumedMessage, KafkaConsumerError>
  /** Marks a message done (written or dead-lettered); its offset is committed once every earlier one of its partition is done. */
  readonly markDone: (message: ConsumedMessage) => Effect.Effect<void>
  /** Commits the done watermark of every partition now (also done on an interval, on revoke and on shutdown). */
  readonly commit: Effect.Effect<void, KafkaConsumerError>
}

export class KafkaConsumer extends Context.Service<KafkaConsumer, KafkaConsumerShape>()(
  "users-pipeline/services/KafkaConsumer"
) {}

/** What readiness probes (and tests) can see of a consumer. */
export class KafkaConsumerStatus extends Context.Service<KafkaConsumerStatus, {
  /** Whether this member is in a stable group generation (not starting, rebalancing, crashed or stopped). */
  readonly joined: Effect.Effect<boolean>
  /** Messages pulled from Kafka that are not yet part of a committable prefix. */
  readonly inFlight: Effect.Effect<number>
}>()("users-pipeline/services/KafkaConsumerStatus") {}
