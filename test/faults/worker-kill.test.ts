import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { eventually } from "../../dev/cli.ts"
import {
  fakeApiPipeline,
  faultScenario,
  finish,
  ingestProducedAll,
  randomMillis,
  seconds,
  startIngest,
  startWorker,
  validUsersLanded
} from "../support/faults.ts"
import { tableOf } from "../../dev/cassandra.ts"
import type { Worker } from "../support/faults.ts"
import { expectedIngest } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"

const plan: IngestPlan = { seed: "kill-9", count: 50_000, perRequest: 500, concurrency: 1 }

const writing = (worker: Worker) =>
  eventually(`${worker.name} writing rows`, Effect.map(worker.counters, ({ written }) => written > 0), "3 minutes")

faultScenario(
  "stream worker killed with SIGKILL",
  "kill -9 five times at random moments of a 50k flow: every valid user is exactly one row",
  Effect.gen(function*() {
    const { env } = yield* fakeApiPipeline()
    const table = yield* tableOf(env)
    const expected = expectedIngest(plan)
    const ingest = yield* startIngest(env, plan, { USERS_API_RATE_LIMIT: "1" })

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

    yield* ingestProducedAll(ingest, expected)
    const landed = yield* validUsersLanded(env, table, expected.ids, "4 minutes")
    yield* finish({
      name: "kill -9 x5",
      env,
      table,
      workers: [worker],
      produced: expected.users.length,
      landed,
      counts: { "written per killed life": lives.join("/") },
      recovery: `max ${seconds(Math.max(...recoveries))} mean ${
        seconds(recoveries.reduce((a, b) => a + b, 0) / recoveries.length)
      } (restart to first row)`
    })
  })
)
