import { assert, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { AssignerProtocol } from "kafkajs"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { tableOf } from "../../dev/cassandra.ts"
import { eventually, runCli, startCli } from "../../dev/cli.ts"
import { ingestArgs } from "../../dev/ingestPlan.ts"
import { committedOffsets, drained, freshEnv, kafkaAdmin, readTopic } from "../../dev/kafka.ts"

const ingest = (count: number, seed: string, env: Record<string, string>) =>
  runCli(ingestArgs({ seed, count, concurrency: 2 }), env)

layer(FakeHttpUsers.layer(), { timeout: "15 minutes", excludeTestServices: true })("stream workers on the real stack", (it) => {
  it.effect("SIGTERM during a 50k backlog: exits 0 in time, every committed offset has its row, a restart writes the rest", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = freshEnv({ USERS_API_URL: api.url, STREAM_SHUTDOWN_TIMEOUT: "30 seconds" })
      const table = yield* tableOf(env)
      yield* ingest(50_000, "sigterm", env)
      const first = yield* startCli(["stream", "--concurrency", "32"], env)
      yield* eventually("some rows written", Effect.map(table.count, (n) => n >= 5_000), "3 minutes")
      const signalledAt = Date.now()
      yield* first.signal("SIGTERM")
      const code = yield* first.exit
      const shutdownMillis = Date.now() - signalledAt
      assert.strictEqual(code, 0, first.output())
      assert.isBelow(shutdownMillis, Duration.toMillis(Duration.seconds(30)))

      const committed = yield* committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!)
      const messages = yield* readTopic(env.KAFKA_TOPIC!)
      const committedIds = messages
        .filter((m) => Number(m.offset) < committed[m.partition]!)
        .map((m) => JSON.parse(m.value!.toString("utf8")).id as string)
      assert.isAbove(committedIds.length, 0)
      const ids = yield* table.ids
      assert.isTrue(committedIds.every((id) => ids.has(id)), "a committed offset without its row")
      assert.isBelow(ids.size, 50_000, "the stream was stopped mid-backlog")

      yield* startCli(["stream"], env)
      yield* eventually("the restart drained the backlog", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "4 minutes")
      assert.strictEqual(yield* table.count, 50_000)
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })

  it.effect("two workers in one group split a 4-partition topic and together write every message", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = freshEnv({ USERS_API_URL: api.url, KAFKA_TOPIC_PARTITIONS: "4" })
      const table = yield* tableOf(env)
      const a = yield* startCli(["stream"], env)
      const b = yield* startCli(["stream"], env)
      const admin = yield* kafkaAdmin
      const assignments = Effect.promise(() => admin.describeGroups([env.KAFKA_GROUP_ID!])).pipe(
        Effect.map(({ groups }) =>
          (groups[0]?.members ?? []).map((member) =>
            AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[env.KAFKA_TOPIC!] ?? []
          )
        )
      )
      const split = (partitions: ReadonlyArray<ReadonlyArray<number>>) =>
        partitions.length === 2 && partitions.every((p) => p.length > 0) &&
        partitions.flat().sort().join() === "0,1,2,3"
      yield* eventually("both workers joined and split the partitions", Effect.map(assignments, split), "2 minutes")
      yield* ingest(20_000, "two-workers", env)
      yield* eventually("every message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "4 minutes")
      assert.strictEqual(yield* table.count, 20_000)
      assert.isTrue(split(yield* assignments), "still split after the run")
      yield* Effect.all([a.signal("SIGTERM"), b.signal("SIGTERM")])
      assert.deepStrictEqual(yield* Effect.all([a.exit, b.exit]), [0, 0])
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
