import { Effect, Layer } from "effect"
import { AssignerProtocol } from "kafkajs"
import type { MemberDescription } from "kafkajs"
import { KafkaInspector } from "../services/KafkaInspector.ts"
import { KafkaRejected } from "../services/KafkaErrors.ts"
import type { KafkaError } from "../services/KafkaErrors.ts"
import { connectWithin, disconnect, kafkaRetry, makeKafka } from "./KafkaClient.ts"
import { KafkaConfig } from "./KafkaConfig.ts"
import { kafkaFailure, toKafkaError } from "./KafkaErrors.ts"

const byPartition = <A extends { readonly partition: number }>(rows: ReadonlyArray<A>) =>
  [...rows].sort((a, b) => a.partition - b.partition)

const assignedPartitions = (member: MemberDescription, topic: string): ReadonlyArray<number> => {
  if (member.memberAssignment.length === 0) return []
  const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)
  return [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b)
}

/** The kafkajs admin client behind `KafkaInspector`: connected once (within `KAFKA_CONNECT_TIMEOUT`), disconnected with the scope. */
export const layer: Layer.Layer<KafkaInspector, KafkaError, KafkaConfig> = Layer.effect(
  KafkaInspector,
  Effect.gen(function*() {
    const config = yield* KafkaConfig
    const kafka = yield* makeKafka(config)
    const admin = yield* Effect.acquireRelease(
      Effect.sync(() => kafka.admin({ retry: { ...kafkaRetry, retries: 2 } })),
      (admin) => disconnect("Kafka admin", admin)
    )
    yield* connectWithin(config, "Kafka admin", () => admin.connect(), kafkaFailure, kafka)
    const call = <A>(what: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (error) => toKafkaError(error, what) })

    const requireTopic = Effect.fnUntraced(function*(topic: string) {
      const topics = yield* call("listing Kafka topics", () => admin.listTopics())
      if (!topics.includes(topic)) return yield* new KafkaRejected({ context: `topic ${topic} does not exist` })
    })

    const topicOffsets = Effect.fn("KafkaInspector.topicOffsets")(function*(topic: string) {
      yield* requireTopic(topic)
      const offsets = yield* call(`reading the offsets of ${topic}`, () => admin.fetchTopicOffsets(topic))
      return byPartition(offsets.map(({ partition, low, high }) => ({ partition, low: Number(low), high: Number(high) })))
    })

    const committedOffsets = Effect.fn("KafkaInspector.committedOffsets")(function*(groupId: string, topic: string) {
      yield* requireTopic(topic)
      const [offsets] = yield* call(`reading the offsets of group ${groupId}`, () => admin.fetchOffsets({ groupId, topics: [topic] }))
      return byPartition((offsets?.partitions ?? []).map(({ partition, offset, metadata }) => ({
        partition,
        offset: Number(offset) < 0 ? null : Number(offset),
        metadata: metadata ?? null
      })))
    })

    const describeGroup = Effect.fn("KafkaInspector.describeGroup")(function*(groupId: string, topic: string) {
      const { groups } = yield* call(`describing group ${groupId}`, () => admin.describeGroups([groupId]))
      const group = groups[0]
      return {
        groupId,
        state: group?.state ?? "Dead",
        members: (group?.members ?? []).map((member) => ({
          memberId: member.memberId,
          clientId: member.clientId,
          host: member.clientHost.replace(/^\//, ""),
          partitions: assignedPartitions(member, topic)
        }))
      }
    })

    return KafkaInspector.of({ topicOffsets, committedOffsets, describeGroup })
  })
)
