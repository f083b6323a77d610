import { Duration, Effect, Layer, RcRef } from "effect"
import { Partitioners } from "kafkajs"
import type { ICustomPartitioner, Message, Producer, RecordMetadata } from "kafkajs"
import { KafkaUnavailable } from "../services/KafkaErrors.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"
import { KafkaProducer } from "../services/KafkaProducer.ts"
import type { ProducerRecord } from "../services/KafkaProducer.ts"
import { compressionTypes } from "./KafkaCodecs.ts"
import { sendSpanOptions } from "./KafkaTracing.ts"
import { connectWithin, disconnect, ensureTopics, kafkaRetry, makeKafka } from "./KafkaClient.ts"
import { KafkaConfig } from "./KafkaConfig.ts"
import { kafkaFailure, losesProducerState, toKafkaError } from "./KafkaErrors.ts"

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
 * The partition kafkajs' DefaultPartitioner chose for each message of a send, kept for the message's life. kafkajs asks
 * its partitioner again on every retry of a send (a record without a key would move to another partition each time);
 * kept, a message stays on the partition it was first given, and the send can tell which partition each message is for.
 */
const chosenPartitions = new WeakMap<Message, number>()

export const keepFirstPartition: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner()
  return (args) => {
    const chosen = chosenPartitions.get(args.message) ?? partitioner(args)
    chosenPartitions.set(args.message, chosen)
    return chosen
  }
}

/** How many times one send's records are sent before the send fails (`KafkaUnavailable`) with partitions still unacknowledged. */
const maxSendRounds = 5

/** The messages of a send whose partition is not in kafkajs' answer: no broker acknowledged them. */
export const unacknowledged = (
  topic: string,
  messages: ReadonlyArray<Message>,
  acknowledged: ReadonlyArray<RecordMetadata>
): Array<Message> => {
  const partitions = new Set(acknowledged.filter((r) => r.topicName === topic).map((r) => r.partition))
  return messages.filter((m) => !partitions.has(chosenPartitions.get(m) ?? -1))
}

/**
 * The kafkajs producer: idempotent, acks = all, compression from config; ensures `KAFKA_TOPIC` and `KAFKA_DLQ_TOPIC` at start.
 * A producer whose id or sequence numbers the broker refuses (kafkajs reuses sequence numbers after a send the broker took
 * but never answered, as when it stops) is replaced, and that send fails as `KafkaUnavailable` so the caller sends again;
 * the old one is disconnected once its last send settles (disconnected earlier, kafkajs reconnects it for that send and
 * the open socket keeps a finished `ingest` from exiting).
 */
export const layer: Layer.Layer<KafkaProducer, KafkaError, KafkaConfig> = Layer.effect(
  KafkaProducer,
  Effect.gen(function*() {
    const config = yield* KafkaConfig
    const kafka = yield* makeKafka(config)
    yield* ensureTopics(kafka, config, [config.topic, config.dlqTopic], kafkaFailure)
    const open = Effect.acquireRelease(
      Effect.sync(() =>
        kafka.producer({
          createPartitioner: keepFirstPartition,
          idempotent: true,
          maxInFlightRequests: 5,
          allowAutoTopicCreation: false,
          retry: kafkaRetry
        })
      ),
      (producer) => disconnect("Kafka producer", producer)
    ).pipe(Effect.tap((producer) => connectWithin(config, "Kafka producer", () => producer.connect(), kafkaFailure, kafka)))
    const producers = yield* RcRef.make({ acquire: open, idleTimeToLive: Duration.infinity })
    yield* Effect.scoped(RcRef.get(producers))
    const retired = new WeakSet<Producer>()
    const retire = (producer: Producer) =>
      retired.has(producer) ? Effect.void : Effect.andThen(Effect.sync(() => retired.add(producer)), RcRef.invalidate(producers))
    const compression = compressionTypes[config.compression]

    const send = (topic: string, records: ReadonlyArray<ProducerRecord>): Effect.Effect<void, KafkaError> =>
      records.length === 0 ? Effect.void : Effect.gen(function*() {
        const producer = yield* RcRef.get(producers)
        const context = `sending ${records.length} records to ${topic}`
        // kafkajs 2.2.4 can resolve send() without having sent one partition's batch. A send that fails on one broker (its
        // leader was killed) is retried only to the brokers that have not answered yet (sendMessages.js keeps one answer per
        // broker across retries): when the partition's new leader is a broker that already answered for its own partitions,
        // the partition is skipped and send() resolves with no answer for it. So every message's partition must be in the
        // answer; the messages of a partition that is not are sent again, on that partition. kafkajs rolled their sequence
        // numbers back when the send to the killed leader failed, so had it appended them after all, the new leader holds
        // them under the same numbers and answers the resend as a duplicate instead of appending them twice.
        const sendOnce = (messages: Array<Message>) =>
          Effect.tryPromise({ try: () => producer.send({ topic, messages, acks: -1, compression }), catch: (error) => error }).pipe(
            Effect.catch((error) =>
              losesProducerState(error)
                ? Effect.andThen(
                  retire(producer),
                  Effect.fail(new KafkaUnavailable({ context: `${context} (producer replaced)`, cause: error }))
                )
                : Effect.fail(toKafkaError(error, context))
            )
          )
        const sendUntilAcknowledged = (messages: Array<Message>, round: number): Effect.Effect<void, KafkaError> =>
          Effect.flatMap(sendOnce(messages), (acknowledged) => {
            const missing = unacknowledged(topic, messages, acknowledged)
            if (missing.length === 0) return Effect.void
            const partitions = [...new Set(missing.map((m) => chosenPartitions.get(m)))].join(",")
            const what = `kafkajs resolved send() with no acknowledgement for partition(s) ${partitions} (${missing.length} records)`
            return round >= maxSendRounds
              ? Effect.fail(new KafkaUnavailable({ context: `${context}: ${what}, ${round} times` }))
              : Effect.andThen(Effect.logWarning(`${context}: ${what}; sending them again`), sendUntilAcknowledged(missing, round + 1))
          })
        yield* sendUntilAcknowledged(records.map(toKafkaMessage), 1)
      }).pipe(Effect.scoped, Effect.withSpan(`send ${topic}`, sendSpanOptions(topic, records)))

    return KafkaProducer.of({ send })
  })
)
