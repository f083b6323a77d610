import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeRandomUser, layer as fakeApi } from "../support/FakeRandomUser.ts"
import { eventually } from "../support/cli.ts"
import { drained, freshEnv } from "../support/kafka.ts"
import {
  assertExactRows,
  assignments,
  balanced,
  deadLetters,
  exitsZero,
  expectedIngest,
  ingestArgs,
  ingestPages,
  startLogged,
  report,
  seconds,
  startWorker,
  stopWorker,
  tableOf,
  writesApplied
} from "../support/faults.ts"
import type { Worker } from "../support/faults.ts"

const written = (workers: ReadonlyArray<Worker>) =>
  Effect.map(Effect.forEach(workers, (worker) => worker.counters), (counters) => counters.reduce((n, c) => n + c.written, 0))

layer(fakeApi(), { timeout: "15 minutes", excludeTestServices: true })("rebalances under load", (it) => {
  it.effect("three workers, one joining and one leaving (SIGTERM) mid-flow: every valid user is exactly one row", () =>
    Effect.gen(function*() {
      const api = yield* FakeRandomUser
      const env = freshEnv({ USERS_API_URL: api.url, KAFKA_TOPIC_PARTITIONS: "6" })
      const table = yield* tableOf(env)
      const expected = expectedIngest(ingestPages("rebalance", 40_000, 500))
      const split = assignments(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!)
      const a = yield* startWorker("worker-a", env)
      const b = yield* startWorker("worker-b", env)
      yield* eventually("a and b share the partitions", Effect.map(split, balanced(2, 6)), "2 minutes")
      const ingest = yield* startLogged("ingest", ingestArgs("rebalance", 40_000, 500, 1), { ...env, USERS_API_RATE_LIMIT: "2" })

      yield* eventually("8000 rows", Effect.map(written([a, b]), (n) => n >= 8_000), "3 minutes")
      const joinedAt = Date.now()
      const c = yield* startWorker("worker-c", env)
      yield* eventually("a, b and c share the partitions", Effect.map(split, balanced(3, 6)), "2 minutes")
      const joinRecovery = Date.now() - joinedAt

      yield* eventually("c writing", Effect.map(c.counters, ({ written }) => written > 0), "2 minutes")
      assert.isNull(ingest.child.exitCode, "ingest already finished: b would not leave mid-flow")
      const leftAt = Date.now()
      yield* stopWorker(b)
      yield* eventually("a and c share the partitions", Effect.map(split, balanced(2, 6)), "2 minutes")
      const before = yield* written([a, c])
      yield* eventually("a and c writing", Effect.map(written([a, c]), (n) => n > before), "2 minutes")
      const leaveRecovery = Date.now() - leftAt

      yield* exitsZero(ingest, "ingest")
      yield* eventually("every message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "4 minutes")
      const ids = yield* table.ids
      assertExactRows(ids, expected.ids)
      const dead = yield* deadLetters(env)
      assert.strictEqual(dead.length, 0)
      const writes = yield* writesApplied(table)
      yield* Effect.all([stopWorker(a), stopWorker(c)], { concurrency: 2 })
      yield* report(env, "rebalances (join + leave)", {
        produced: expected.users.length,
        rows: ids.size,
        "dead-lettered": dead.length,
        duplicates: `${writes - ids.size} (Cassandra upserts - rows)`,
        recovery: `join ${seconds(joinRecovery)} (start to 3-way split), leave ${seconds(leaveRecovery)} (SIGTERM to writes moving on 2)`
      })
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
