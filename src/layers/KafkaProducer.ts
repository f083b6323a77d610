import { Effect, Layer } from "effect"
import type { Config } from "effect"
import { CompressionTypes, Partitioners } from "kafkajs"
import type { Message } from "kafkajs"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { KafkaProduceError, ProducerRecord } from "../services/KafkaProducer.ts"
import { sendSpanOptions } from "./KafkaTracing.ts"
import { connectWithin, disconnect, ensureTopics, KafkaConfig, kafkaRetry, makeKafka, toKafkaError } from "./KafkaConfig.ts"

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

/** The kafkajs producer: idempotent, acks = all, compression from config; ensures `KAFKA_TOPIC` and `KAFKA_DLQ_TOPIC` at start. */
export const layer: Layer.Layer<KafkaProducer, Config.ConfigError | KafkaProduceError> = Layer.effect(
  KafkaProducer,
  Effect.gen(function*() {
    const config = yield* KafkaConfig
    const kafka = yield* makeKafka(config)
    yield* ensureTopics(kafka, config, [config.topic, config.dlqTopic])
    const producer = yield* Effect.acquireRelease(
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
    )
    yield* connectWithin(config, "Kafka producer", () => producer.connect())
    const compression = config.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None

    const send = (topic: string, records: ReadonlyArray<ProducerRecord>): Effect.Effect<void, KafkaProduceError> =>
      records.length === 0 ? Effect.void : Effect.tryPromise({
        try: () => producer.send({ topic, messages: records.map(toKafkaMessage), acks: -1, compression }),
        catch: (error) => toKafkaError(error, `sending ${records.length} records to ${topic}`)
      }).pipe(Effect.withSpan(`send ${topic}`, sendSpanOptions(topic, records)))

    return KafkaProducer.of({ send })
  })
)
