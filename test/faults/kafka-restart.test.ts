import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeRandomUser, layer as fakeApi } from "../support/FakeRandomUser.ts"
import { eventually } from "../support/cli.ts"
import { committedOffsets, drained, endOffsets, freshEnv } from "../support/kafka.ts"
import {
  assertExactRows,
  deadLetters,
  exitsZero,
  expectedIngest,
  ingestArgs,
  ingestPages,
  startLogged,
  report,
  restart,
  seconds,
  startWorker,
  stopWorker,
  tableOf,
  writesApplied
} from "../support/faults.ts"

const sum = (offsets: ReadonlyArray<number>) => offsets.reduce((a, b) => a + b, 0)

layer(fakeApi(), { timeout: "15 minutes", excludeTestServices: true })("Kafka broker restarted", (it) => {
  it.effect("restarting the broker three times mid-ingest and mid-stream: both recover alone, ingest exits 0, every user is one row", () =>
    Effect.gen(function*() {
      const api = yield* FakeRandomUser
      const env = freshEnv({ USERS_API_URL: api.url })
      const table = yield* tableOf(env)
      const expected = expectedIngest(ingestPages("kafka-restart", 60_000, 250))
      const worker = yield* startWorker("worker", env)
      yield* eventually("the worker ready", worker.ready, "2 minutes")
      const ingest = yield* startLogged("ingest", ingestArgs("kafka-restart", 60_000, 250, 4), { ...env, USERS_API_RATE_LIMIT: "8" })
      const committed = committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!).pipe(Effect.map(sum))
      const produced = endOffsets(env.KAFKA_TOPIC!).pipe(Effect.map(sum))
      const movesWithin = (what: string, offsets: Effect.Effect<number>, since: number) =>
        Effect.gen(function*() {
          const before = yield* offsets
          yield* eventually(what, Effect.map(offsets, (n) => n > before), "3 minutes")
          return Date.now() - since
        })

      const recoveries: Array<string> = []
      for (const rowsBefore of [5_000, 16_000, 27_000]) {
        yield* eventually(`${rowsBefore} rows`, Effect.map(worker.counters, ({ written }) => written >= rowsBefore), "3 minutes")
        assert.isNull(ingest.child.exitCode, "ingest already finished: the restart would not be mid-ingest")
        yield* restart("kafka")
        const backAt = Date.now()
        const [ingestBack, streamBack] = yield* Effect.all([
          movesWithin("ingest producing again", produced, backAt),
          movesWithin("the stream committing again", committed, backAt)
        ], { concurrency: 2 })
        recoveries.push(`${seconds(ingestBack)}/${seconds(streamBack)}`)
      }

      yield* exitsZero(ingest, "ingest")
      assert.include(ingest.output(), `produced=${expected.users.length}`)
      yield* eventually("every message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "4 minutes")
      assert.isNull(worker.child.exitCode, `the worker exited:\n${worker.output().slice(-4_000)}`)
      const ids = yield* table.ids
      assertExactRows(ids, expected.ids)
      const dead = yield* deadLetters(env)
      assert.strictEqual(dead.length, 0)
      const writes = yield* writesApplied(table)
      yield* stopWorker(worker)
      yield* report(env, "Kafka restart x3", {
        produced: expected.users.length,
        rows: ids.size,
        "dead-lettered": dead.length,
        duplicates: `${writes - ids.size} (Cassandra upserts - rows)`,
        recovery: `${recoveries.join(", ")} (broker back to ingest producing / stream committing)`
      })
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
