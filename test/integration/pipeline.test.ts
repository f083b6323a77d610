import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { tableOf } from "../../dev/cassandra.ts"
import { runCli, startCli, eventually } from "../../dev/cli.ts"
import { expectedRun, ingestArgs } from "../../dev/ingestPlan.ts"
import { drained, freshEnv, kafkaAdmin, readTopic, sendPlain } from "../../dev/kafka.ts"
import { DeadLetterHeader } from "../../src/domain/DeadLetter.ts"
import { seedDagMessage } from "../support/users.ts"

const toRow = (value: unknown) => value instanceof Date ? value.toISOString() : String(value)

layer(FakeHttpUsers.layer(), { timeout: "10 minutes", excludeTestServices: true })("pipeline on the real stack", (it) => {
  it.effect("ingests 10,000 users into exactly 10,000 rows equal to the transform of the source; re-ingesting keeps 10,000", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = freshEnv({ USERS_API_URL: api.url })
      const table = yield* tableOf(env)
      const expected = expectedRun({ seed: "e2e", count: 10_000 })
      yield* runCli(ingestArgs({ seed: "e2e", count: 10_000, concurrency: 2 }), env)
      const stream = yield* startCli(["stream"], env)
      yield* eventually("every message written and committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "3 minutes")
      const ids = yield* table.ids
      assert.strictEqual(ids.size, 10_000)
      assert.isTrue(expected.every((user) => ids.has(user.id)))

      const sample = expected.filter((_, i) => i % 97 === 0)
      assert.isAtLeast(sample.length, 100)
      const rows = yield* table.rows(sample.map((user) => user.id))
      for (const user of sample) {
        const row = rows.get(user.id)!
        for (const [column, value] of Object.entries(user)) assert.strictEqual(toRow(row.get(column)), value, `${user.id}.${column}`)
      }

      yield* runCli(ingestArgs({ seed: "e2e", count: 10_000, concurrency: 2 }), env)
      yield* eventually("the second run drained", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "3 minutes")
      assert.strictEqual(yield* table.count, 10_000)
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })

  it.effect("writes the seed DAG's messages and dead-letters poison ones with their headers, committing past them", () =>
    Effect.gen(function*() {
      const env = freshEnv({ KAFKA_TOPIC_PARTITIONS: "1" })
      const table = yield* tableOf(env)
      const seedUser = (id: string) => JSON.stringify(seedDagMessage(id))
      const ids = ["6f1c1b52-2a4e-4c8e-9d7e-0b5d6c3a1f20", "0b9e3c1e-7d4f-4a55-9a43-5f7c2d1e8b90"]
      const stream = yield* startCli(["stream"], env)
      yield* eventually("the topic exists", readTopic(env.KAFKA_TOPIC!).pipe(Effect.as(true)), "1 minute")
      yield* sendPlain(env.KAFKA_TOPIC!, [
        { value: seedUser(ids[0]!) },
        { key: "poison-1", value: "{not json" },
        { value: JSON.stringify({ id: "not-a-uuid", first_name: 42 }) },
        { value: seedUser(ids[1]!) }
      ])
      yield* eventually("all four messages committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "2 minutes")
      const rows = yield* table.rows(ids)
      assert.strictEqual(rows.size, 2)
      assert.strictEqual(rows.get(ids[0]!)!.get("post_code"), "28013")
      const dlq = yield* readTopic(env.KAFKA_DLQ_TOPIC!)
      assert.deepStrictEqual(dlq.map((m) => m.headers[DeadLetterHeader.errorType]).sort(), ["NotJson", "SchemaMismatch"])
      const notJson = dlq.find((m) => m.headers[DeadLetterHeader.errorType] === "NotJson")!
      assert.strictEqual(notJson.key, "poison-1")
      assert.strictEqual(notJson.value!.toString("utf8"), "{not json")
      assert.strictEqual(notJson.headers[DeadLetterHeader.sourceTopic], env.KAFKA_TOPIC)
      assert.strictEqual(notJson.headers[DeadLetterHeader.sourceOffset], "1")
      assert.isTrue(notJson.headers[DeadLetterHeader.errorMessage]!.length > 0)
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 300_000 })

  it.effect("streams the seed's own 1-partition users_created, filled by its DAG, into as many rows with the default configuration: one warning, no error", () =>
    Effect.gen(function*() {
      const { KAFKA_TOPIC_PARTITIONS: _, ...env } = freshEnv()
      const table = yield* tableOf(env)
      const admin = yield* kafkaAdmin
      yield* Effect.promise(() => admin.createTopics({ waitForLeaders: true, topics: [{ topic: env.KAFKA_TOPIC!, numPartitions: 1 }] }))
      const ids = Array.from({ length: 200 }, () => crypto.randomUUID())
      yield* sendPlain(env.KAFKA_TOPIC!, ids.map((id) => ({ value: JSON.stringify(seedDagMessage(id)) })))
      const stream = yield* startCli(["stream"], env)
      yield* eventually("every seed message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "2 minutes")
      assert.strictEqual(yield* table.count, 200)
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
      const lines = stream.output().split("\n")
      const warnings = lines.filter((l) => l.includes("level=WARN") && l.includes("exists with"))
      assert.lengthOf(warnings, 1, stream.output())
      assert.include(warnings[0]!, `Kafka topic \\"${env.KAFKA_TOPIC}\\" exists with 1 partition(s)`)
      assert.include(warnings[0]!, "KAFKA_TOPIC_PARTITIONS=6")
      assert.isFalse(lines.some((l) => l.startsWith("error") || l.includes("level=ERROR")), stream.output())
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 300_000 })
})
