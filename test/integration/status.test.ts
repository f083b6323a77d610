import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { tableOf } from "../../dev/cassandra.ts"
import { eventually, runCli, startCli } from "../../dev/cli.ts"
import { ingestArgs } from "../../dev/ingestPlan.ts"
import { committedOffsets, drained, endOffsets, freshEnv, sendPlain } from "../../dev/kafka.ts"
import { runCommand, runJson } from "../support/operate.ts"

const ingest = (count: number, seed: string, env: Record<string, string>) =>
  runCli(ingestArgs({ seed, count }), env)

const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

layer(FakeHttpUsers.layer(), { timeout: "10 minutes", excludeTestServices: true })("status on the real stack", (it) => {
  it.effect("reports end offsets, committed offsets, lag, members and rows as they are, also with a worker stopped mid-backlog", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = freshEnv({ USERS_API_URL: api.url })
      const table = yield* tableOf(env)
      yield* ingest(3_000, "status-a", env)
      const stream = yield* startCli(["stream"], env)
      yield* eventually("3,000 committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "3 minutes")

      const running = yield* runJson(["status"], env)
      assert.deepStrictEqual(running.kafka.partitions.map((p: any) => p.endOffset), yield* endOffsets(env.KAFKA_TOPIC!))
      assert.strictEqual(running.kafka.totalEndOffset, 3_000)
      assert.deepStrictEqual(running.kafka.partitions.map((p: any) => p.committedOffset), running.kafka.partitions.map((p: any) => p.endOffset))
      assert.strictEqual(running.kafka.totalLag, 0)
      assert.strictEqual(running.kafka.group.state, "Stable")
      assert.strictEqual(running.kafka.group.members.length, 1)
      assert.strictEqual(running.kafka.group.members[0].clientId, "users-pipeline")
      assert.deepStrictEqual(running.kafka.group.members[0].partitions, [0, 1, 2, 3])
      assert.strictEqual(running.cassandra.rows, 3_000)
      assert.isTrue(running.cassandra.complete)
      assert.isAbove(Date.parse(running.cassandra.newestWrittenAt), Date.now() - 10 * 60_000)
      assert.strictEqual(running.deadLetters.messages, 0)
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)

      yield* ingest(30_000, "status-b", env)
      const slow = yield* startCli(["stream", "--concurrency", "1"], { ...env, KAFKA_COMMIT_INTERVAL: "200 millis" })
      yield* eventually("part of the backlog committed", committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!).pipe(
        Effect.map((committed) => sum(committed) >= 3_000 + 2_000)
      ))
      yield* slow.signal("SIGTERM")
      assert.strictEqual(yield* slow.exit, 0)
      const committed = yield* committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!)
      const end = yield* endOffsets(env.KAFKA_TOPIC!)
      assert.isBelow(sum(committed), 33_000, "the worker was stopped before the backlog was done")

      const stopped = yield* runJson(["status"], env)
      assert.deepStrictEqual(stopped.kafka.partitions.map((p: any) => p.committedOffset), committed)
      assert.deepStrictEqual(stopped.kafka.partitions.map((p: any) => p.lag), end.map((high, i) => high - committed[i]!))
      assert.strictEqual(stopped.kafka.totalLag, 33_000 - sum(committed))
      assert.strictEqual(stopped.kafka.group.state, "Empty")
      assert.deepStrictEqual(stopped.kafka.group.members, [])
      assert.strictEqual(stopped.cassandra.rows, yield* table.count)
      assert.isAtLeast(stopped.cassandra.rows, sum(committed))

      const human = yield* runCommand(["status"], env)
      assert.strictEqual(human.code, 0)
      assert.match(human.stdout, new RegExp(`^Kafka topic ${env.KAFKA_TOPIC}, group ${env.KAFKA_GROUP_ID}: Empty, 0 member\\(s\\), lag `, "m"))
      const n = (x: number) => x.toLocaleString("en-US")
      assert.match(human.stdout, new RegExp(`^\\s+total\\s+33,000\\s+${n(sum(committed))}\\s+${n(33_000 - sum(committed))}$`, "m"))

      const noCassandra = yield* runCommand(["status", "--json"], { ...env, CASSANDRA_CONTACT_POINTS: "127.0.0.1:1", CASSANDRA_CONNECT_TIMEOUT: "3 seconds" })
      assert.notStrictEqual(noCassandra.code, 0)
      const partial = JSON.parse(noCassandra.stdout)
      assert.isFalse(partial.cassandra.ok)
      assert.include(partial.cassandra.error, "127.0.0.1:1")
      assert.deepStrictEqual(partial.kafka.partitions.map((p: any) => p.lag), stopped.kafka.partitions.map((p: any) => p.lag))
      assert.match(noCassandra.stderr, /error: StatusIncomplete: could not read Cassandra/)
      const noCassandraText = yield* runCommand(["status"], { ...env, CASSANDRA_CONTACT_POINTS: "127.0.0.1:1", CASSANDRA_CONNECT_TIMEOUT: "3 seconds" })
      assert.notStrictEqual(noCassandraText.code, 0)
      assert.lengthOf(noCassandraText.stdout.split("\n").filter((line) => line.startsWith("Cassandra ")), 1)
      assert.match(noCassandraText.stdout, /^\s+total\s+33,000/m)

      const noKafka = yield* runCommand(["status", "--json"], { ...env, KAFKA_BROKERS: "127.0.0.1:1", KAFKA_CONNECT_TIMEOUT: "3 seconds" })
      assert.notStrictEqual(noKafka.code, 0)
      const kafkaless = JSON.parse(noKafka.stdout)
      assert.isFalse(kafkaless.kafka.ok)
      assert.include(kafkaless.kafka.error, "127.0.0.1:1")
      assert.isFalse(kafkaless.deadLetters.ok)
      assert.strictEqual(kafkaless.cassandra.rows, stopped.cassandra.rows)
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 480_000 })

  it.effect("counts the dead-letter topic and shows its newest error types, newest first, and a running member's host", () =>
    Effect.gen(function*() {
      const env = freshEnv({ KAFKA_TOPIC_PARTITIONS: "2" })
      const stream = yield* startCli(["stream"], env)
      yield* eventually("the topics exist", endOffsets(env.KAFKA_DLQ_TOPIC!).pipe(Effect.as(true)), "1 minute")
      const poison = [
        { partition: 0, value: "{not json", errorType: "NotJson" },
        { partition: 1, value: JSON.stringify({ id: "not-a-uuid" }), errorType: "SchemaMismatch" },
        { partition: 1, value: "", errorType: "EmptyValue" },
        { partition: 0, value: "[1, 2", errorType: "NotJson" }
      ]
      for (const [i, { partition, value }] of poison.entries()) {
        yield* sendPlain(env.KAFKA_TOPIC!, [{ key: `poison-${i}`, value, partition }])
        yield* eventually(`${i + 1} dead letter(s)`, endOffsets(env.KAFKA_DLQ_TOPIC!).pipe(Effect.map((end) => sum(end) === i + 1)))
      }
      assert.isTrue((yield* endOffsets(env.KAFKA_DLQ_TOPIC!)).every((high) => high > 0), "letters in more than one DLQ partition")
      yield* eventually("the poison committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!))

      const report = yield* runJson(["status", "--dlq-newest", "3"], env)
      assert.strictEqual(report.deadLetters.topic, env.KAFKA_DLQ_TOPIC)
      assert.strictEqual(report.deadLetters.messages, 4)
      assert.deepStrictEqual(report.deadLetters.newest.map((l: any) => l.errorType), poison.map((p) => p.errorType).reverse().slice(0, 3))
      const failedAt = report.deadLetters.newest.map((l: any) => Date.parse(l.failedAt))
      assert.deepStrictEqual(failedAt, [...failedAt].sort((a, b) => b - a))
      assert.deepStrictEqual(report.kafka.group.members.map((m: any) => [m.clientId, m.host, m.partitions]), [["users-pipeline", "127.0.0.1", [0, 1]]])

      const human = yield* runCommand(["status", "--dlq-newest", "3"], env)
      assert.strictEqual(human.code, 0, human.stderr)
      assert.match(human.stdout, new RegExp(`^Dead-letter topic ${escape(env.KAFKA_DLQ_TOPIC!)}: 4 message\\(s\\); newest:$`, "m"))
      const newestLines = report.deadLetters.newest.map((l: any) => `^\\s*${escape(l.failedAt)}\\s+p${l.partition}@${l.offset}\\s+${l.errorType}$`)
      assert.match(human.stdout, new RegExp(newestLines.join("\\n"), "m"))
      assert.match(human.stdout, /^\s+members:\n\s+users-pipeline\s+127\.0\.0\.1\s+partitions 0,1$/m)
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
      yield* Effect.flatMap(tableOf(env), (table) => table.dropKeyspace)
    }).pipe(Effect.scoped), { timeout: 240_000 })
})
