import { Context } from "effect"
import type { Effect } from "effect"
import type { KafkaError } from "./KafkaErrors.ts"

/** A record to publish; `key` decides the partition (`null` spreads records over partitions). */
export interface ProducerRecord {
  readonly key: string | Uint8Array | null
  readonly value: string | Uint8Array | null
  readonly headers: Readonly<Record<string, string>>
}

export interface KafkaProducerShape {
  /** Publishes records to a topic; succeeds only once the broker acknowledged every one of them (acks = all). */
  readonly send: (topic: string, records: ReadonlyArray<ProducerRecord>) => Effect.Effect<void, KafkaError>
}

export class KafkaProducer extends Context.Service<KafkaProducer, KafkaProducerShape>()(
  "users-pipeline/services/KafkaProducer"
) {}
