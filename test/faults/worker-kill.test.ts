import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeRandomUser, layer as fakeApi } from "../support/FakeRandomUser.ts"
import { eventually } from "../support/cli.ts"
import { drained, freshEnv } from "../support/kafka.ts"
import {
  assertExactRows,
  deadLetters,
  exitsZero,
  expectedIngest,
  ingestArgs,
  ingestPages,
  startLogged,
  randomMillis,
  report,
  seconds,
  startWorker,
  stopWorker,
  tableOf,
  writesApplied
} from "../support/faults.ts"
import type { Worker } from "../support/faults.ts"

const writing = (worker: Worker) =>
  eventually(`${worker.name} writing rows`, Effect.map(worker.counters, ({ written }) => written > 0), "3 minutes")

layer(fakeApi(), { timeout: "15 minutes", excludeTestServices: true })("stream worker killed with SIGKILL", (it) => {
  it.effect("kill -9 five times at random moments of a 50k flow: every valid user is exactly one row", () =>
    Effect.gen(function*() {
      const api = yield* FakeRandomUser
      const env = freshEnv({ USERS_API_URL: api.url })
      const table = yield* tableOf(env)
      const expected = expectedIngest(ingestPages("kill-9", 50_000, 500))
      const ingest = yield* startLogged("ingest", ingestArgs("kill-9", 50_000, 500, 1), { ...env, USERS_API_RATE_LIMIT: "1" })

      const concurrency = ["--concurrency", "8"]
      let worker = yield* startWorker("worker-0", env, concurrency)
      yield* writing(worker)
      const recoveries: Array<number> = []
      const lives: Array<number> = []
      for (let kill = 1; kill <= 5; kill++) {
        yield* Effect.sleep(randomMillis(100, 1_500))
        assert.isNull(worker.child.exitCode, `${worker.name} exited by itself:\n${worker.output().slice(-4_000)}`)
        lives.push((yield* worker.counters).written)
        yield* worker.signal("SIGKILL")
        yield* worker.exit
        const restartedAt = Date.now()
        worker = yield* startWorker(`worker-${kill}`, env, concurrency)
        yield* writing(worker)
        recoveries.push(Date.now() - restartedAt)
      }

      yield* exitsZero(ingest, "ingest")
      assert.include(ingest.output(), `produced=${expected.users.length}`)
      yield* eventually("every message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "4 minutes")
      const ids = yield* table.ids
      assertExactRows(ids, expected.ids)
      const dead = yield* deadLetters(env)
      assert.strictEqual(dead.length, 0)
      const writes = yield* writesApplied(table)
      yield* stopWorker(worker)
      yield* report(env, "kill -9 x5", {
        produced: expected.users.length,
        rows: ids.size,
        "dead-lettered": dead.length,
        duplicates: `${writes - ids.size} (Cassandra upserts - rows)`,
        "written per killed life": lives.join("/"),
        recovery: `max ${seconds(Math.max(...recoveries))} mean ${
          seconds(recoveries.reduce((a, b) => a + b, 0) / recoveries.length)
        } (restart to first row)`
      })
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
