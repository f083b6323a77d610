// Smoke tests of the local stack (stack/): each server answers a real client round trip.
import { spawnSync } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import cassandra from "cassandra-driver"
import kafkajs from "kafkajs"
import { describe, expect, it } from "vitest"

const { Kafka, Partitioners, logLevel } = kafkajs

describe("local stack", () => {
  it("Kafka: create a topic, produce and consume a message", async () => {
    const kafka = new Kafka({ clientId: "stack-smoke", brokers: ["127.0.0.1:9092"], logLevel: logLevel.WARN })
    const topic = `stack-smoke-${randomUUID()}`
    const value = `hello ${randomUUID()}`
    const admin = kafka.admin()
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    const consumer = kafka.consumer({ groupId: `stack-smoke-${randomUUID()}` })
    try {
      await admin.connect()
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true)
      await producer.connect()
      await producer.send({ topic, messages: [{ key: "k", value }] })

      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      const received = new Promise<string>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => resolve(message.value?.toString() ?? "")
        })
      })
      expect(await received).toBe(value)
    } finally {
      await consumer.disconnect()
      await producer.disconnect()
      await admin.deleteTopics({ topics: [topic] }).catch(() => {})
      await admin.disconnect()
    }
  })

  it("Kafka through stack/probe.mjs (kafkajs outside dist/main.js): answers, and no TimeoutNegativeWarning is printed", () => {
    const probe = join(import.meta.dirname, "../../stack/probe.mjs")
    const result = spawnSync(process.execPath, [probe, "kafka", "--timeout", "60"], { encoding: "utf8", timeout: 90_000 })
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout + result.stderr).not.toContain("TimeoutNegativeWarning")
  })

  it("Cassandra: create a keyspace and table, write and read a row", async () => {
    const client = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" })
    const keyspace = `stack_smoke_${randomBytes(6).toString("hex")}`
    try {
      await client.connect()
      await client.execute(
        `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`
      )
      await client.execute(`CREATE TABLE ${keyspace}.kv (k text PRIMARY KEY, v int)`)
      await client.execute(`INSERT INTO ${keyspace}.kv (k, v) VALUES (?, ?)`, ["answer", 42], { prepare: true })
      const rs = await client.execute(`SELECT v FROM ${keyspace}.kv WHERE k = ?`, ["answer"], { prepare: true })
      expect(rs.rowLength).toBe(1)
      expect(rs.first().get("v")).toBe(42)
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {})
      await client.shutdown()
    }
  })

  it("Jaeger: a span sent over OTLP/HTTP is found through the query API", async () => {
    const traceId = randomBytes(16).toString("hex")
    const spanId = randomBytes(8).toString("hex")
    const service = `stack-smoke-${randomUUID()}`
    const nowNs = BigInt(Date.now()) * 1_000_000n
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
          scopeSpans: [
            {
              scope: { name: "stack-smoke" },
              spans: [
                {
                  traceId,
                  spanId,
                  name: "smoke-span",
                  kind: 1,
                  startTimeUnixNano: String(nowNs - 5_000_000n),
                  endTimeUnixNano: String(nowNs),
                  attributes: [{ key: "smoke", value: { boolValue: true } }]
                }
              ]
            }
          ]
        }
      ]
    }
    const post = await fetch("http://127.0.0.1:4318/v1/traces", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    expect(post.status).toBe(200)

    type Trace = { traceID: string; spans: Array<{ spanID: string; operationName: string }> }
    let found: Trace | undefined
    for (let i = 0; i < 50 && found === undefined; i++) {
      const res = await fetch(`http://127.0.0.1:16686/api/traces/${traceId}`)
      if (res.ok) found = ((await res.json()) as { data: Array<Trace> }).data[0]
      else await sleep(200)
    }
    expect(found?.traceID).toBe(traceId)
    expect(found?.spans.map((s) => [s.spanID, s.operationName])).toEqual([[spanId, "smoke-span"]])

    const services = (await (await fetch("http://127.0.0.1:16686/api/services")).json()) as { data: Array<string> }
    expect(services.data).toContain(service)
  })
})
