import { Effect } from "effect"
import { eventually } from "../../dev/cli.ts"
import { clusterEnv, resentRecords, whileKilled } from "../support/cluster.ts"
import {
  assignments,
  balanced,
  exitsZero,
  fakeApiPipeline,
  faultScenario,
  finish,
  startLogged,
  startWorker,
  validUsersLanded
} from "../support/faults.ts"
import { tableOf } from "../../dev/cassandra.ts"
import type { Worker } from "../support/faults.ts"
import { expectedIngest, ingestArgs } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"

const plans: ReadonlyArray<IngestPlan> = [
  { seed: "cluster-shared-a", count: 15_000, perRequest: 500, concurrency: 1 },
  { seed: "cluster-shared-b", count: 15_000, perRequest: 500, concurrency: 1 }
]

const written = (workers: ReadonlyArray<Worker>) =>
  Effect.map(Effect.forEach(workers, (worker) => worker.counters), (counters) => counters.reduce((n, c) => n + c.written, 0))

faultScenario(
  "cluster: shared load (RF 3, min ISR 2, LOCAL_QUORUM)",
  "three stream workers and two ingest processes share the load while a broker is killed and comes back: every valid user is exactly one row",
  Effect.gen(function*() {
    const { env } = yield* fakeApiPipeline({ ...clusterEnv(), KAFKA_TOPIC_PARTITIONS: "6" })
    const expected = plans.map(expectedIngest)
    const ids = new Set(expected.flatMap((e) => [...e.ids]))
    const workers = [yield* startWorker("worker-1", env), yield* startWorker("worker-2", env), yield* startWorker("worker-3", env)]
    yield* eventually("three workers share the partitions", Effect.map(assignments(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), balanced(3, 6)), "3 minutes")
    const ingests = yield* Effect.forEach(plans, (plan, i) =>
      startLogged(`ingest-${i + 1}`, ingestArgs(plan), { ...env, USERS_API_RATE_LIMIT: "1" }))

    yield* eventually("2,000 rows", Effect.map(written(workers), (n) => n >= 2_000), "3 minutes")
    const before = yield* written(workers)
    yield* whileKilled(["kafka-2"], Effect.gen(function*() {
      yield* eventually("rows written with kafka-2 gone", Effect.map(written(workers), (n) => n > before + 1_000), "3 minutes")
      yield* Effect.sleep("10 seconds")
    }))

    yield* Effect.forEach(ingests, (ingest, i) => exitsZero(ingest, `ingest-${i + 1}`, "10 minutes"), { discard: true })
    // Read at ALL: a row counts if any replica has it. A kill -9 loses a node's last writes not yet synced to its
    // commit log (commitlog_sync periodic, 10 s), so a row acknowledged at LOCAL_QUORUM just before can sit on one replica.
    const table = yield* tableOf({ ...env, CASSANDRA_CONSISTENCY: "ALL" })
    const landed = yield* validUsersLanded(env, table, ids, "6 minutes")
    yield* finish({
      suite: "cluster",
      name: "shared load, kafka-2 killed",
      env,
      table,
      workers,
      produced: ids.size,
      landed,
      counts: { workers: 3, ingests: 2, lost: ids.size - landed.ids.size, resent: ingests.reduce((n, ingest) => n + resentRecords(ingest.output()), 0) },
      recovery: "n/a (kafka-2 back after 10 s of writes without it)"
    })
  })
)
