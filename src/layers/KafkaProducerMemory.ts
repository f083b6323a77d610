import { Effect, Layer } from "effect"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { ProducerRecord } from "../services/KafkaProducer.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"
import type { KafkaMemoryLog } from "./KafkaMemoryLog.ts"
import { sendSpanOptions } from "./KafkaTracing.ts"

export interface KafkaProducerMemoryOptions {
  /** Runs before each send: fail it to inject broker errors, sleep in it to inject latency. */
  readonly beforeSend?: (topic: string, records: ReadonlyArray<ProducerRecord>) => Effect.Effect<void, KafkaError>
}

/** A producer that appends to an in-memory log; a failed send appends nothing. */
export const layer = (log: KafkaMemoryLog, options: KafkaProducerMemoryOptions = {}) =>
  Layer.succeed(
    KafkaProducer,
    KafkaProducer.of({
      send: (topic, records) =>
        Effect.withSpan(
          Effect.suspend(() => options.beforeSend?.(topic, records) ?? Effect.void).pipe(
            Effect.andThen(Effect.sync(() => log.append(topic, records)))
          ),
          `send ${topic}`,
          sendSpanOptions(topic, records)
        )
    })
  )
