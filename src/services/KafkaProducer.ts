import { Context, Schema } from "effect"
import type { Effect } from "effect"

/** A record to publish; `key` decides the partition (`null` spreads records over partitions). */
export interface ProducerRecord {
  readonly key: string | Uint8Array | null
  readonly value: string | Uint8Array | null
  readonly headers: Readonly<Record<string, string>>
}

/** The broker could not take the records now (leader moving, broker down, timeout); sending again can help. */
export class KafkaUnavailable extends Schema.TaggedError<KafkaUnavailable>()("KafkaUnavailable", {
  message: Schema.String
}) {}

/** The broker rejected the records for good (unknown topic, authorization, record too large). */
export class KafkaRejected extends Schema.TaggedError<KafkaRejected>()("KafkaRejected", {
  message: Schema.String
}) {}

export type KafkaProduceError = KafkaUnavailable | KafkaRejected

export interface KafkaProducerShape {
  /** Publishes records to a topic; succeeds only once the broker acknowledged every one of them (acks = all). */
  readonly send: (topic: string, records: ReadonlyArray<ProducerRecord>) => Effect.Effect<void, KafkaProduceError>
}

export class KafkaProducer extends Context.Service<KafkaProducer, KafkaProducerShape>()(
  "users-pipeline/services/KafkaProducer"
) {}
