import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Exit, Fiber, Layer, Schedule, Scope, Stream } from "effect"
import { KafkaConfig } from "../../src/layers/KafkaConfig.ts"
import { layer as KafkaConsumerLive } from "../../src/layers/KafkaConsumer.ts"
import { layer as KafkaProducerLive } from "../../src/layers/KafkaProducer.ts"
import { KafkaConsumer, KafkaConsumerStatus } from "../../src/services/KafkaConsumer.ts"
import type { ConsumedMessage } from "../../src/services/KafkaConsumer.ts"
import type { KafkaConsumerError } from "../../src/services/KafkaErrors.ts"
import { KafkaProducer } from "../../src/services/KafkaProducer.ts"
import { javaProduce } from "../support/javaProducer.ts"
import { committedOffsets, firstBatchCodec, freshEnv, kafkaAdmin } from "../../dev/kafka.ts"
import type { ProducerRecord } from "../../src/services/KafkaProducer.ts"
import { RecordHeaders } from "../../src/domain/User.ts"

const withConfig = (config: Record<string, string>) =>
  KafkaConfig.layer.pipe(Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromUnknown(config), { asPrimary: true })))

const freshNames = (extra: Record<string, string> = {}) =>
  freshEnv({ KAFKA_TOPIC_PARTITIONS: "1", KAFKA_COMMIT_INTERVAL: "200 millis", ...extra })

const records = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i): ProducerRecord & { readonly key: string; readonly value: string } => ({
    key: `user-${i}`,
    value: JSON.stringify({ id: `user-${i}`, tag }),
    headers: { ...RecordHeaders, "x-index": String(i) }
  }))

const produce = (config: Record<string, string>, topic: string, n: number) =>
  Effect.gen(function*() {
    const producer = yield* KafkaProducer
    yield* producer.send(topic, records(n, topic))
  }).pipe(
    Effect.provide(KafkaProducerLive.pipe(Layer.provide(withConfig(config))))
  )

const text = (bytes: Uint8Array | null) => bytes === null ? null : Buffer.from(bytes).toString("utf8")

const committed = (groupId: string, topic: string) =>
  committedOffsets(groupId, topic).pipe(Effect.map((offsets) => String(offsets[0])))

const member = (config: Record<string, string>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(KafkaConsumerLive.pipe(Layer.provide(withConfig(config))), scope)
    return { consumer: Context.get(context, KafkaConsumer), status: Context.get(context, KafkaConsumerStatus), scope }
  })

/** The consumer's batches as single messages. */
const messagesOf = (consumer: KafkaConsumer["Service"]) =>
  consumer.batches.pipe(Stream.flatMap((batch) => Stream.fromArray(batch.messages)))

/** The position after a message: what the stream commits once it and every earlier message of its partition are handled. */
const after = (message: ConsumedMessage) => ({ topic: message.topic, partition: message.partition, offset: String(Number(message.offset) + 1) })

const consuming = <A, E>(config: Record<string, string>, body: Effect.Effect<A, E, KafkaConsumer | KafkaConsumerStatus>) =>
  body.pipe(Effect.provide(KafkaConsumerLive.pipe(Layer.provide(withConfig(config)))))

describe("Kafka layers (live, local Kafka)", () => {
  it.live("creates missing topics with the configured partitions and replication", () =>
    Effect.gen(function*() {
      const config = freshNames({ KAFKA_TOPIC_PARTITIONS: "3" })
      yield* Layer.build(KafkaProducerLive.pipe(Layer.provide(withConfig(config)))).pipe(Effect.scoped)
      const client = yield* kafkaAdmin
      const { topics } = yield* Effect.promise(() =>
        client.fetchTopicMetadata({ topics: [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC] })
      )
      const described = topics.map((t) => [t.name, t.partitions.length, t.partitions[0]?.replicas.length] as const)
      assert.deepStrictEqual(described.sort(([a], [b]) => a.localeCompare(b)), [
        [config.KAFKA_TOPIC, 3, 1],
        [config.KAFKA_DLQ_TOPIC, 3, 1]
      ])
    }).pipe(Effect.scoped))

  it.live("uses a topic that exists with another partition count as it is: produces to and consumes all of its partitions", () =>
    Effect.gen(function*() {
      const config = freshNames({ KAFKA_TOPIC_PARTITIONS: "3" })
      const client = yield* kafkaAdmin
      yield* Effect.promise(() =>
        client.createTopics({ waitForLeaders: true, topics: [{ topic: config.KAFKA_TOPIC, numPartitions: 2 }] })
      )
      yield* produce(config, config.KAFKA_TOPIC, 20)
      const { topics } = yield* Effect.promise(() => client.fetchTopicMetadata({ topics: [config.KAFKA_TOPIC] }))
      assert.strictEqual(topics[0]!.partitions.length, 2)
      const received = yield* consuming(
        config,
        Effect.gen(function*() {
          const consumer = yield* KafkaConsumer
          return yield* Stream.runCollect(Stream.take(messagesOf(consumer), 20))
        })
      )
      assert.strictEqual(received.length, 20)
      assert.sameMembers([...new Set(received.map((m) => m.partition))], [0, 1])
    }).pipe(Effect.scoped))

  it.live("delivers what was sent: same keys, values and headers", () =>
    Effect.gen(function*() {
      const config = freshNames({ KAFKA_TOPIC_PARTITIONS: "3" })
      yield* produce(config, config.KAFKA_TOPIC, 30)
      const received = yield* consuming(
        config,
        Effect.gen(function*() {
          const consumer = yield* KafkaConsumer
          return yield* Stream.runCollect(Stream.take(messagesOf(consumer), 30))
        })
      )
      const seen = received
        .map((m) => ({ key: text(m.key), value: text(m.value), headers: m.headers }))
        .sort((a, b) => Number(a.headers["x-index"]) - Number(b.headers["x-index"]))
      const sent = records(30, config.KAFKA_TOPIC).map((r) => ({ key: r.key, value: r.value, headers: r.headers }))
      assert.deepStrictEqual(seen, sent)
      assert.deepStrictEqual(new Set(received.map((m) => m.topic)), new Set([config.KAFKA_TOPIC]))
    }))

  for (const codec of ["zstd", "gzip", "none"] as const) {
    it.live(`KAFKA_COMPRESSION=${codec}: the broker stores ${codec} batches and the consumer reads them back unchanged`, () =>
      Effect.gen(function*() {
        const config = freshNames({ KAFKA_COMPRESSION: codec })
        yield* produce(config, config.KAFKA_TOPIC, 20)
        assert.strictEqual(firstBatchCodec(config.KAFKA_TOPIC, 0), codec)
        const received = yield* consuming(config, Effect.flatMap(KafkaConsumer, (c) => Stream.runCollect(Stream.take(messagesOf(c), 20))))
        assert.deepStrictEqual(received.map((m) => text(m.value)), records(20, config.KAFKA_TOPIC).map((r) => r.value))
      }))
  }

  for (const codec of ["snappy", "lz4"] as const) {
    it.live(`reads the ${codec} batches a Java producer writes (compression.type=${codec}), unchanged`, () =>
      Effect.gen(function*() {
        const config = freshNames()
        const client = yield* kafkaAdmin
        yield* Effect.promise(() => client.createTopics({ waitForLeaders: true, topics: [{ topic: config.KAFKA_TOPIC, numPartitions: 1 }] }))
        const sent = records(200, config.KAFKA_TOPIC)
        javaProduce(config.KAFKA_TOPIC, codec, sent)
        assert.strictEqual(firstBatchCodec(config.KAFKA_TOPIC, 0), codec)
        const received = yield* consuming(config, Effect.flatMap(KafkaConsumer, (c) => Stream.runCollect(Stream.take(messagesOf(c), 200))))
        assert.deepStrictEqual(received.map((m) => [text(m.key), text(m.value)]), sent.map((r) => [r.key, r.value]))
      }).pipe(Effect.scoped))
  }

  it.live("commits on shutdown, never past a message that is not done; to the end once it is", () =>
    Effect.gen(function*() {
      const config = freshNames({ KAFKA_COMMIT_INTERVAL: "1 hour" })
      yield* produce(config, config.KAFKA_TOPIC, 10)
      const firstRun = yield* consuming(
        config,
        Effect.gen(function*() {
          const consumer = yield* KafkaConsumer
          const messages = yield* Stream.runCollect(Stream.take(messagesOf(consumer), 10))
          // offset 4 is not handled: the stream's position stops before it
          yield* consumer.commit([after(messages[3]!)])
          return messages
        })
      )
      assert.deepStrictEqual(firstRun.map((m) => m.offset), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
      assert.strictEqual(yield* committed(config.KAFKA_GROUP_ID, config.KAFKA_TOPIC), "4")

      const secondRun = yield* consuming(
        config,
        Effect.gen(function*() {
          const consumer = yield* KafkaConsumer
          const messages = yield* Stream.runCollect(Stream.take(messagesOf(consumer), 6))
          yield* consumer.commit([after(messages[messages.length - 1]!)])
          return messages
        })
      )
      assert.deepStrictEqual(secondRun.map((m) => m.offset), ["4", "5", "6", "7", "8", "9"])
      assert.strictEqual(yield* committed(config.KAFKA_GROUP_ID, config.KAFKA_TOPIC), "10")
    }))

  it.live("backpressure: a stream that does not pull stops the consumer after its buffer", () =>
    Effect.gen(function*() {
      const buffer = 10
      const config = freshNames({ KAFKA_CONSUMER_BUFFER: String(buffer) })
      yield* produce(config, config.KAFKA_TOPIC, 500)
      const [pulledWhileIdle, drained] = yield* consuming(
        config,
        Effect.gen(function*() {
          const consumer = yield* KafkaConsumer
          const status = yield* KafkaConsumerStatus
          yield* Effect.sleep("4 seconds")
          const pulledWhileIdle = yield* status.buffered
          const drained = yield* messagesOf(consumer).pipe(
            Stream.take(500),
            Stream.tap((message) => consumer.commit([after(message)])),
            Stream.runFold(() => 0, (n: number, _: ConsumedMessage) => n + 1)
          )
          return [pulledWhileIdle, drained] as const
        })
      )
      assert.isAtLeast(pulledWhileIdle, buffer)
      assert.isAtMost(pulledWhileIdle, buffer + 3, "buffer + one blocked offer per concurrently consumed partition")
      assert.strictEqual(drained, 500)
      assert.strictEqual(yield* committed(config.KAFKA_GROUP_ID, config.KAFKA_TOPIC), "500")
    }))

  it.live("fails within a bounded time, naming the brokers, when Kafka cannot be reached", () =>
    Effect.gen(function*() {
      const config = freshNames({ KAFKA_BROKERS: "127.0.0.1:1", KAFKA_CONNECT_TIMEOUT: "2 seconds" })
      const [elapsed, producerError] = yield* Layer.build(KafkaProducerLive.pipe(Layer.provide(withConfig(config))))
        .pipe(Effect.scoped, Effect.flip, Effect.timed)
      assert.strictEqual(producerError._tag, "KafkaUnavailable")
      assert.include(producerError.message, "127.0.0.1:1")
      assert.isBelow(Duration.toMillis(elapsed), 15_000)
      const consumerError = yield* Layer.build(KafkaConsumerLive.pipe(Layer.provide(withConfig(config)))).pipe(
        Effect.scoped,
        Effect.flip
      )
      assert.strictEqual(consumerError._tag, "KafkaConsumerError")
      assert.include(consumerError.message, "127.0.0.1:1")
    }))

  it.live("rejects a malformed variable with a ConfigError naming it", () =>
    Effect.gen(function*() {
      const config = freshNames({ KAFKA_TOPIC_PARTITIONS: "abc" })
      const error = yield* Layer.build(KafkaProducerLive.pipe(Layer.provide(withConfig(config)))).pipe(
        Effect.scoped,
        Effect.flip
      )
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(error.message, "KAFKA_TOPIC_PARTITIONS")
    }))

  it.live("a member joining: the first commits its done prefix at the rebalance, together they consume and commit everything", () =>
    Effect.gen(function*() {
      const config = freshNames({ KAFKA_TOPIC_PARTITIONS: "2", KAFKA_COMMIT_INTERVAL: "1 hour" })
      yield* produce(config, config.KAFKA_TOPIC, 200)
      const seen = new Set<string>()
      const process = (consumer: KafkaConsumer["Service"]) => (messages: Stream.Stream<ConsumedMessage, KafkaConsumerError>) =>
        messages.pipe(
          Stream.tap((m) => Effect.sync(() => seen.add(`${m.partition}/${m.offset}`))),
          Stream.tap((m) => consumer.commit([after(m)])),
          Stream.runDrain
        )
      const drain = (consumer: KafkaConsumer["Service"]) => messagesOf(consumer).pipe(process(consumer), Effect.forkDetach)
      const a = yield* member(config)
      yield* messagesOf(a.consumer).pipe(Stream.take(50), process(a.consumer))
      assert.deepStrictEqual(yield* committedOffsets(config.KAFKA_GROUP_ID, config.KAFKA_TOPIC), [0, 0])

      const b = yield* member(config)
      const atRebalance = yield* committedOffsets(config.KAFKA_GROUP_ID, config.KAFKA_TOPIC)
      assert.strictEqual(atRebalance.reduce((x, y) => x + y, 0), 50)

      const fibers = [yield* drain(a.consumer), yield* drain(b.consumer)]
      const total = yield* Effect.gen(function*() {
        yield* a.consumer.flush
        yield* b.consumer.flush
        const offsets = yield* committedOffsets(config.KAFKA_GROUP_ID, config.KAFKA_TOPIC)
        return offsets.reduce((x, y) => x + y, 0)
      }).pipe(
        Effect.repeat({ schedule: Schedule.spaced("300 millis"), until: (n) => n >= 200 }),
        Effect.timeout("60 seconds")
      )
      assert.strictEqual(total, 200)
      assert.strictEqual(seen.size, 200)
      yield* Effect.forEach(fibers, Fiber.interrupt)
      yield* Scope.close(a.scope, Exit.void)
      yield* Scope.close(b.scope, Exit.void)
    }))
})
