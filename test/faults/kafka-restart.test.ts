import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { eventually } from "../../dev/cli.ts"
import { committedOffsets, endOffsets } from "../../dev/kafka.ts"
import {
  fakeApiPipeline,
  faultScenario,
  finish,
  ingestProducedAll,
  restart,
  seconds,
  startIngest,
  startReadyWorker,
  validUsersLanded
} from "../support/faults.ts"
import { expectedIngest } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"
import { tableOf } from "../../dev/cassandra.ts"

const plan: IngestPlan = { seed: "kafka-restart", count: 60_000, perRequest: 250, concurrency: 4 }

const sum = (offsets: ReadonlyArray<number>) => offsets.reduce((a, b) => a + b, 0)

faultScenario(
  "Kafka broker restarted",
  "restarting the broker three times mid-ingest and mid-stream: both recover alone, ingest exits 0, every user is one row",
  Effect.gen(function*() {
    const { env } = yield* fakeApiPipeline()
    const table = yield* tableOf(env)
    const expected = expectedIngest(plan)
    const worker = yield* startReadyWorker("worker", env)
    const ingest = yield* startIngest(env, plan, { USERS_API_RATE_LIMIT: "8" })
    const committed = committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!).pipe(Effect.map(sum))
    const produced = endOffsets(env.KAFKA_TOPIC!).pipe(Effect.map(sum))
    const movesWithin = (what: string, offsets: Effect.Effect<number>, since: number) =>
      Effect.gen(function*() {
        const before = yield* offsets
        yield* eventually(what, Effect.map(offsets, (n) => n > before), "3 minutes")
        return Date.now() - since
      })

    const recoveries: Array<string> = []
    // Restarts keyed to ingest's progress, so each one is mid-ingest whatever the stream's pace; the worker consumes throughout.
    for (const producedBefore of [5_000, 20_000, 35_000]) {
      yield* eventually(`${producedBefore} users produced`, Effect.map(produced, (n) => n >= producedBefore), "3 minutes")
      assert.isNull(ingest.child.exitCode, "ingest already finished: the restart would not be mid-ingest")
      yield* restart("kafka")
      const backAt = Date.now()
      const [ingestBack, streamBack] = yield* Effect.all([
        movesWithin("ingest producing again", produced, backAt),
        movesWithin("the stream committing again", committed, backAt)
      ], { concurrency: 2 })
      recoveries.push(`${seconds(ingestBack)}/${seconds(streamBack)}`)
    }

    yield* ingestProducedAll(ingest, expected)
    const landed = yield* validUsersLanded(env, table, expected.ids, "4 minutes")
    assert.isNull(worker.child.exitCode, `the worker exited:\n${worker.output().slice(-4_000)}`)
    yield* finish({
      name: "Kafka restart x3",
      env,
      table,
      workers: [worker],
      produced: expected.users.length,
      landed,
      recovery: `${recoveries.join(", ")} (broker back to ingest producing / stream committing)`
    })
  })
)
