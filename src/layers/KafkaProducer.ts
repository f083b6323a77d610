import { Duration, Effect, Layer, RcRef } from "effect"
import type { Config } from "effect"
import { Partitioners } from "kafkajs"
import type { Message, Producer } from "kafkajs"
import { KafkaProducer, KafkaUnavailable } from "../services/KafkaProducer.ts"
import type { KafkaProduceError, ProducerRecord } from "../services/KafkaProducer.ts"
import { compressionTypes } from "./KafkaCodecs.ts"
import { sendSpanOptions } from "./KafkaTracing.ts"
import { connectWithin, disconnect, ensureTopics, kafkaRetry, makeKafka } from "./KafkaClient.ts"
import { KafkaConfig } from "./KafkaConfig.ts"
import { describeKafkaError, losesProducerState, toKafkaError } from "./KafkaErrors.ts"

const toBuffer = (bytes: string | Uint8Array | null): Buffer | string | null =>
  bytes === null || typeof bytes === "string" || Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** The kafkajs message for a record: key, value and headers passed through unchanged. */
export const toKafkaMessage = (record: ProducerRecord): Message => ({
  key: toBuffer(record.key),
  value: toBuffer(record.value),
  headers: { ...record.headers }
})

/**
 * The kafkajs producer: idempotent, acks = all, compression from config; ensures `KAFKA_TOPIC` and `KAFKA_DLQ_TOPIC` at start.
 * A producer whose id or sequence numbers the broker refuses (kafkajs reuses sequence numbers after a send the broker took
 * but never answered, as when it stops) is replaced, and that send fails as `KafkaUnavailable` so the caller sends again;
 * the old one is disconnected once its last send settles (disconnected earlier, kafkajs reconnects it for that send and
 * the open socket keeps a finished `ingest` from exiting).
 */
export const layer: Layer.Layer<KafkaProducer, Config.ConfigError | KafkaProduceError> = Layer.effect(
  KafkaProducer,
  Effect.gen(function*() {
    const config = yield* KafkaConfig
    const kafka = yield* makeKafka(config)
    yield* ensureTopics(kafka, config, [config.topic, config.dlqTopic])
    const open = Effect.acquireRelease(
      Effect.sync(() =>
        kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          idempotent: true,
          maxInFlightRequests: 5,
          allowAutoTopicCreation: false,
          retry: kafkaRetry
        })
      ),
      (producer) => disconnect("Kafka producer", producer)
    ).pipe(Effect.tap((producer) => connectWithin(config, "Kafka producer", () => producer.connect(), kafka)))
    const producers = yield* RcRef.make({ acquire: open, idleTimeToLive: Duration.infinity })
    yield* Effect.scoped(RcRef.get(producers))
    const retired = new WeakSet<Producer>()
    const retire = (producer: Producer) =>
      retired.has(producer) ? Effect.void : Effect.andThen(Effect.sync(() => retired.add(producer)), RcRef.invalidate(producers))
    const compression = compressionTypes[config.compression]

    const send = (topic: string, records: ReadonlyArray<ProducerRecord>): Effect.Effect<void, KafkaProduceError> =>
      records.length === 0 ? Effect.void : Effect.gen(function*() {
        const producer = yield* RcRef.get(producers)
        const context = `sending ${records.length} records to ${topic}`
        yield* Effect.tryPromise({
          try: () => producer.send({ topic, messages: records.map(toKafkaMessage), acks: -1, compression }),
          catch: (error) => error
        }).pipe(Effect.catch((error) =>
          losesProducerState(error)
            ? Effect.andThen(
              retire(producer),
              Effect.fail(new KafkaUnavailable({ message: `${context}: ${describeKafkaError(error)} (producer replaced)` }))
            )
            : Effect.fail(toKafkaError(error, context))
        ))
      }).pipe(Effect.scoped, Effect.withSpan(`send ${topic}`, sendSpanOptions(topic, records)))

    return KafkaProducer.of({ send })
  })
)
