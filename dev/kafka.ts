import { Effect } from "effect"
import type { Scope } from "effect"
import { Kafka, logLevel } from "kafkajs"
import type { Admin, IHeaders, Message } from "kafkajs"
import { randomBytes } from "node:crypto"
import { openSync, readSync, closeSync } from "node:fs"
import { join } from "node:path"
import { registerCodecs } from "../src/layers/KafkaCodecs.ts"
import { stackState } from "./stack.ts"

// The programs produce zstd batches (KAFKA_COMPRESSION's default): this plain client must read them too.
registerCodecs()
// KAFKA_BROKERS (the cluster suite loads .stack/cluster.env) or the local stack's broker.
const brokers = (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(",")
const kafka = new Kafka({ clientId: "users-pipeline-tests", brokers, logLevel: logLevel.NOTHING })

/** Environment for one isolated pipeline: its own topic, dead-letter topic, group and keyspace. */
export const freshEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  const id = randomBytes(4).toString("hex")
  return {
    KAFKA_TOPIC: `e2e_users_${id}`,
    KAFKA_DLQ_TOPIC: `e2e_users_${id}.dlq`,
    KAFKA_GROUP_ID: `e2e_group_${id}`,
    KAFKA_TOPIC_PARTITIONS: "4",
    CASSANDRA_KEYSPACE: `e2e_${id}`,
    OTEL_SDK_DISABLED: "true",
    ...extra
  }
}

/** A connected kafkajs admin client, disconnected with the scope. */
export const kafkaAdmin: Effect.Effect<Admin, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(async () => {
    const admin = kafka.admin()
    await admin.connect()
    return admin
  }),
  (admin) => Effect.promise(() => admin.disconnect())
)

const byPartition = <A extends { readonly partition: number }>(rows: ReadonlyArray<A>) =>
  [...rows].sort((a, b) => a.partition - b.partition)

/** The group's committed offset of each partition (0 where it committed nothing). */
export const committedOffsets = (groupId: string, topic: string) =>
  Effect.scoped(Effect.gen(function*() {
    const admin = yield* kafkaAdmin
    const [offsets] = yield* Effect.promise(() => admin.fetchOffsets({ groupId, topics: [topic] }))
    return byPartition(offsets?.partitions ?? []).map((p) => Math.max(0, Number(p.offset)))
  }))

/** The end offset (high watermark) of each partition. */
export const endOffsets = (topic: string) =>
  Effect.scoped(Effect.gen(function*() {
    const admin = yield* kafkaAdmin
    return byPartition(yield* Effect.promise(() => admin.fetchTopicOffsets(topic))).map((p) => Number(p.high))
  }))

/** True once the group has committed every partition of the topic to its end. */
export const drained = (groupId: string, topic: string) =>
  Effect.all([committedOffsets(groupId, topic), endOffsets(topic)]).pipe(
    Effect.map(([committed, end]) => committed.length === end.length && end.every((high, i) => committed[i] === high))
  )

/** Publishes messages the way the seed's Python DAG did: a plain producer, whatever key and headers given. */
export const sendPlain = (topic: string, messages: ReadonlyArray<Message>) =>
  Effect.promise(async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      await producer.send({ topic, messages: [...messages] })
    } finally {
      await producer.disconnect()
    }
  })

/** A message read back from a topic. */
export interface ReadMessage {
  readonly partition: number
  readonly offset: string
  readonly key: string | null
  readonly value: Buffer | null
  readonly headers: Record<string, string>
}

const headerText = (headers: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString("utf8") : String(v)]))

/** Every message of a topic, read from the beginning up to its end offsets by a throwaway group. */
export const readTopic = (topic: string) =>
  Effect.gen(function*() {
    const end = yield* endOffsets(topic)
    const total = end.reduce((a, b) => a + b, 0)
    return yield* Effect.promise(async () => {
      const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString("hex")}` })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      const messages: Array<ReadMessage> = []
      await new Promise<void>((resolve) => {
        if (total === 0) return resolve()
        void consumer.run({
          eachMessage: async ({ message, partition }) => {
            messages.push({
              partition,
              offset: message.offset,
              key: message.key === null ? null : message.key.toString("utf8"),
              value: message.value,
              headers: headerText(message.headers)
            })
            if (messages.length >= total) resolve()
          }
        })
      })
      await consumer.disconnect()
      return messages
    })
  })

const codecNames = ["none", "gzip", "snappy", "lz4", "zstd"] as const

/** The codec of the first record batch of a partition, read from the local stack broker's log segment (batch attributes & 7). */
export const firstBatchCodec = (topic: string, partition: number): (typeof codecNames)[number] | undefined => {
  const fd = openSync(join(stackState, "kafka", "data", `${topic}-${partition}`, "00000000000000000000.log"), "r")
  const header = Buffer.alloc(23)
  try {
    readSync(fd, header, 0, header.length, 0)
  } finally {
    closeSync(fd)
  }
  return codecNames[header.readInt16BE(21) & 7]
}
