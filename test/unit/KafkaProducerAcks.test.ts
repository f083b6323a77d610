// kafkajs 2.2.4's send() can resolve without having sent one partition's batch (the cluster suite's node-loss scenario
// lost 172 records that way). This drives kafkajs' own produce loop (src/producer/sendMessages.js) against a fake
// three-broker cluster whose leader of partition 0 dies mid-send, and checks what the producer layer does about it.
import { assert, describe, it } from "@effect/vitest"
import kafkajs from "kafkajs"
import type { Message, PartitionMetadata, RecordMetadata } from "kafkajs"
import { createRequire } from "node:module"
import { keepFirstPartition, unacknowledged } from "../../src/layers/KafkaProducer.ts"

const require = createRequire(import.meta.url)
type SendMessages = (options: Record<string, unknown>) => (request: Record<string, unknown>) => Promise<Array<RecordMetadata>>
const sendMessages = require("kafkajs/src/producer/sendMessages.js") as SendMessages
const createRetry = require("kafkajs/src/retry/index.js") as (options: Record<string, unknown>) => unknown
const { KafkaJSConnectionError } = kafkajs

const topic = "users"

interface FakeBroker {
  readonly nodeId: number
  readonly produced: Array<number>
  produce(request: { topicData: Array<{ partitions: Array<{ partition: number }> }> }): Promise<unknown>
}

/**
 * Brokers 1..3 lead partitions 2, 0 and 1. Broker 2's first produce fails as its death does (a connection error); from
 * the metadata refresh that follows, partition 0 is led by broker 3, which already answered for partition 1.
 */
const fakeCluster = () => {
  const leaders: Record<number, number> = { 0: 2, 1: 3, 2: 1 }
  const broker = (nodeId: number): FakeBroker => ({
    nodeId,
    produced: [],
    async produce({ topicData }) {
      const partitions = topicData.flatMap((t) => t.partitions.map((p) => p.partition))
      if (nodeId === 2) throw new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9292")
      this.produced.push(...partitions)
      return { topics: [{ topicName: topic, partitions: partitions.map((partition) => ({ partition, errorCode: 0, baseOffset: "0" })) }] }
    }
  })
  const brokers = new Map([1, 2, 3].map((id) => [id, broker(id)]))
  const cluster = {
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => {
      leaders[0] = 3
    },
    addMultipleTargetTopics: async () => {},
    isConnected: () => true,
    removeBroker: () => {},
    findTopicPartitionMetadata: () => [0, 1, 2].map((partitionId) => ({ partitionId, leader: leaders[partitionId] })),
    findLeaderForPartitions: (_topic: string, partitions: Array<string>) => {
      const byLeader: Record<number, Array<number>> = {}
      for (const p of partitions.map(Number)) (byLeader[leaders[p]!] ??= []).push(p)
      return byLeader
    },
    findBroker: async ({ nodeId }: { nodeId: number | string }) => brokers.get(Number(nodeId))!
  }
  const sequences = new Map<number, number>()
  const eosManager = {
    acquireBrokerLock: async () => {},
    releaseBrokerLock: () => {},
    isTransactional: () => false,
    getSequence: (_t: string, p: number) => sequences.get(p) ?? 0,
    updateSequence: (_t: string, p: number, n: number) => sequences.set(p, (sequences.get(p) ?? 0) + n),
    getProducerId: () => 1,
    getProducerEpoch: () => 0,
    getTransactionalId: () => undefined
  }
  const logger = { error: () => {}, debug: () => {}, info: () => {}, warn: () => {} }
  const send = sendMessages({
    logger,
    cluster,
    partitioner: keepFirstPartition(),
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 2 })
  })
  return { brokers, sequences, send: (messages: Array<Message>) => send({ acks: -1, compression: 0, topicMessages: [{ topic, messages }] }) }
}

const messages = (): Array<Message> => Array.from({ length: 60 }, (_, i) => ({ key: `user-${i}`, value: `{"n":${i}}` }))

/** Three partitions, all with a leader. */
const partitionMetadata: Array<PartitionMetadata> = [0, 1, 2].map((partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1] }))

const partitionOf = (message: Message) => keepFirstPartition()({ topic, partitionMetadata, message })

describe("KafkaProducer: partitions kafkajs resolves send() without", () => {
  it("kafkajs' produce loop resolves without partition 0 when its new leader already answered; exactly its messages are unacknowledged", async () => {
    const cluster = fakeCluster()
    const sent = messages()
    const acknowledged = await cluster.send(sent)
    assert.deepStrictEqual(acknowledged.map((r) => r.partition).sort(), [1, 2], "kafkajs answers for partitions 1 and 2 only")
    assert.deepStrictEqual(cluster.brokers.get(3)!.produced, [1], "partition 0 was never sent to its new leader")
    assert.strictEqual(cluster.sequences.get(0) ?? 0, 0, "kafkajs rolled partition 0's sequence back: a resend reuses its numbers")

    const missing = unacknowledged(topic, sent, acknowledged)
    const onPartition0 = sent.filter((m) => partitionOf(m) === 0)
    assert.isAbove(onPartition0.length, 0)
    assert.deepStrictEqual(missing, onPartition0)

    // sent again (what the producer layer does), they reach partition 0's new leader
    const again = await cluster.send(missing)
    assert.deepStrictEqual(again.map((r) => r.partition), [0])
    assert.deepStrictEqual(unacknowledged(topic, missing, again), [])
  })

  it("a message without a key keeps the partition it was first given across kafkajs' retries", () => {
    const partitioner = keepFirstPartition()
    const unkeyed: Array<Message> = Array.from({ length: 9 }, () => ({ key: null, value: "x" }))
    const first = unkeyed.map((message) => partitioner({ topic, partitionMetadata, message }))
    const second = unkeyed.map((message) => partitioner({ topic, partitionMetadata, message }))
    assert.deepStrictEqual(second, first)
    assert.deepStrictEqual(new Set(first).size, 3, "round robin still spreads them")
  })
})
