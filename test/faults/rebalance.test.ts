import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { eventually } from "../../dev/cli.ts"
import {
  assignments,
  balanced,
  exitsZero,
  fakeApiPipeline,
  faultScenario,
  finish,
  seconds,
  startIngest,
  startWorker,
  stopWorker,
  validUsersLanded
} from "../support/faults.ts"
import { tableOf } from "../../dev/cassandra.ts"
import type { Worker } from "../support/faults.ts"
import { expectedIngest } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"

const plan: IngestPlan = { seed: "rebalance", count: 40_000, perRequest: 500, concurrency: 1 }

const written = (workers: ReadonlyArray<Worker>) =>
  Effect.map(Effect.forEach(workers, (worker) => worker.counters), (counters) => counters.reduce((n, c) => n + c.written, 0))

faultScenario(
  "rebalances under load",
  "three workers, one joining and one leaving (SIGTERM) mid-flow: every valid user is exactly one row",
  Effect.gen(function*() {
    const { env } = yield* fakeApiPipeline({ KAFKA_TOPIC_PARTITIONS: "6" })
    const table = yield* tableOf(env)
    const expected = expectedIngest(plan)
    const split = assignments(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!)
    const a = yield* startWorker("worker-a", env)
    const b = yield* startWorker("worker-b", env)
    yield* eventually("a and b share the partitions", Effect.map(split, balanced(2, 6)), "2 minutes")
    const ingest = yield* startIngest(env, plan, { USERS_API_RATE_LIMIT: "2" })

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
    const landed = yield* validUsersLanded(env, table, expected.ids, "4 minutes")
    yield* finish({
      name: "rebalances (join + leave)",
      env,
      table,
      workers: [a, c],
      produced: expected.users.length,
      landed,
      recovery: `join ${seconds(joinRecovery)} (start to 3-way split), leave ${seconds(leaveRecovery)} (SIGTERM to writes moving on 2)`
    })
  })
)
