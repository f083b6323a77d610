import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { eventually } from "../../dev/cli.ts"
import { committedOffsets, readTopic } from "../../dev/kafka.ts"
import {
  exitsZero,
  fakeApiPipeline,
  faultScenario,
  finish,
  idOf,
  seconds,
  startIngest,
  startReadyWorker,
  validUsersLanded,
  whileStopped,
  workerUpserts,
  writtenAt
} from "../support/faults.ts"
import { expectedIngest } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"
import { tableOf } from "../../dev/cassandra.ts"

const plan: IngestPlan = { seed: "cassandra-outage", count: 30_000, perRequest: 500, concurrency: 1 }

const outage = 30_000

faultScenario(
  "Cassandra stopped for 30 s",
  "the stream retries, is not ready, commits no offset past an unwritten row, and resumes when Cassandra is back",
  Effect.gen(function*() {
    const { env } = yield* fakeApiPipeline()
    const expected = expectedIngest(plan)
    const worker = yield* startReadyWorker("worker", env)
    const ingest = yield* startIngest(env, plan, { USERS_API_RATE_LIMIT: "2" })
    yield* eventually("3000 rows", Effect.map(worker.counters, ({ written }) => written >= 3_000), "2 minutes")

    const during = yield* whileStopped(
      "cassandra",
      Effect.gen(function*() {
        const stoppedAt = Date.now()
        yield* eventually("/readyz 503", Effect.map(worker.readyStatus, (status) => status === 503), "20 seconds")
        let committed: Array<number> = []
        while (Date.now() - stoppedAt < outage) {
          const now = yield* committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!)
          committed = now.map((offset, partition) => Math.max(offset, committed[partition] ?? 0))
          assert.strictEqual(yield* worker.readyStatus, 503)
          assert.isNull(worker.child.exitCode, `the worker exited:\n${worker.output().slice(-4_000)}`)
          yield* Effect.sleep("1 second")
        }
        return { committed, endedAt: Date.now() }
      })
    )
    const backAt = Date.now()
    yield* eventually("ready again", worker.ready, "2 minutes")
    const writtenBefore = (yield* worker.counters).written
    yield* eventually("rows written again", Effect.map(worker.counters, ({ written }) => written > writtenBefore), "2 minutes")
    const recovery = Date.now() - backAt

    yield* exitsZero(ingest, "ingest")
    // Connected after the outage: a driver client open through it would come back on its own reconnection backoff.
    const table = yield* tableOf(env)
    const landed = yield* validUsersLanded(env, table, expected.ids, "4 minutes")
    const messages = yield* readTopic(env.KAFKA_TOPIC!)
    const committedDuring = messages.filter((m) => Number(m.offset) < (during.committed[m.partition] ?? 0)).map(idOf)
    const written = yield* writtenAt(table, committedDuring)
    const late = committedDuring.filter((id) => !(written.get(id)! < during.endedAt))
    assert.deepStrictEqual(late, [], "offsets committed during the outage whose rows were not written before it ended")

    yield* finish({
      name: "Cassandra down 30 s",
      env,
      table,
      workers: [worker],
      produced: expected.users.length,
      landed,
      // Cassandra's own write count restarted with it.
      upserts: workerUpserts(worker),
      counts: { "committed during outage": committedDuring.length },
      recovery: `${seconds(recovery)} (Cassandra back to rows written)`
    })
  })
)
