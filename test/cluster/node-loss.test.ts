import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { eventually } from "../../dev/cli.ts"
import { clusterEnv, leaderOf, resentRecords, whileKilled } from "../support/cluster.ts"
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
  workerUpserts,
  writtenAt
} from "../support/faults.ts"
import { expectedIngest } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"
import { tableOf } from "../../dev/cassandra.ts"
import { committedOffsets, endOffsets, kafkaAdmin, readTopic } from "../../dev/kafka.ts"

// 120 requests of 500 at 1 a second: ingest is still producing, or the stream still has a backlog, while the nodes go down.
const plan: IngestPlan = { seed: "cluster-node-loss", count: 60_000, perRequest: 500, concurrency: 1 }

const partitionLeaders = (topic: string) =>
  Effect.scoped(Effect.flatMap(kafkaAdmin, (admin) => Effect.promise(() => admin.fetchTopicMetadata({ topics: [topic] }))))

faultScenario(
  "cluster: nodes lost under load (RF 3, min ISR 2, LOCAL_QUORUM)",
  "a partition leader killed mid-ingest and mid-stream, then one and two Cassandra nodes killed: nothing lost, nothing committed past an unwritten row",
  Effect.gen(function*() {
    const { env } = yield* fakeApiPipeline({ ...clusterEnv(), KAFKA_TOPIC_PARTITIONS: "3" })
    const expected = expectedIngest(plan)
    const worker = yield* startReadyWorker("worker", env)
    const ingest = yield* startIngest(env, plan, { USERS_API_RATE_LIMIT: "1" })
    const written = Effect.map(worker.counters, ({ written }) => written)

    // The leader of partition 0 killed (-9) while ingest produces and the stream consumes; back after 10 s.
    yield* eventually("1,000 rows", Effect.map(written, (n) => n >= 1_000), "3 minutes")
    const leader = leaderOf(yield* partitionLeaders(env.KAFKA_TOPIC!), 0)
    const beforeBroker = yield* written
    yield* whileKilled([leader], Effect.gen(function*() {
      yield* eventually(`rows written with ${leader} gone`, Effect.map(written, (n) => n > beforeBroker + 500), "3 minutes")
      yield* Effect.sleep("10 seconds")
    }))
    const newLeader = leaderOf(yield* partitionLeaders(env.KAFKA_TOPIC!), 0)
    const lag = yield* Effect.map(
      Effect.all([endOffsets(env.KAFKA_TOPIC!), committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!)]),
      ([end, committed]) => end.reduce((n, high, i) => n + high - (committed[i] ?? 0), 0)
    )
    assert.isTrue(ingest.child.exitCode === null || lag > 2_000, `nothing left to stream while the Cassandra nodes go down (lag ${lag})`)

    // One Cassandra node killed: LOCAL_QUORUM is still met, writes go on. Then a second: they cannot, the stream waits.
    const oneDown = yield* whileKilled(["cassandra-3"], Effect.gen(function*() {
      const before = yield* written
      yield* eventually("rows written with one Cassandra node down", Effect.map(written, (n) => n > before + 500), "3 minutes")
      // ready once the coordinators' failure detectors mark the node down (until then a read may wait on it)
      yield* eventually("ready with one Cassandra node down", worker.ready, "1 minute")
      return yield* whileKilled(["cassandra-2"], Effect.gen(function*() {
        yield* eventually("/readyz 503 with two of three replicas down", Effect.map(worker.readyStatus, (s) => s === 503), "1 minute")
        let committed: Array<number> = []
        const until = Date.now() + 20_000
        while (Date.now() < until) {
          const now = yield* committedOffsets(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!)
          committed = now.map((offset, partition) => Math.max(offset, committed[partition] ?? 0))
          assert.isNull(worker.child.exitCode, `the worker exited:\n${worker.output().slice(-4_000)}`)
          yield* Effect.sleep("1 second")
        }
        return { committed, endedAt: Date.now() }
      }))
    }))
    const backAt = Date.now()
    yield* eventually("ready again", worker.ready, "3 minutes")
    const recovery = Date.now() - backAt

    yield* exitsZero(ingest, "ingest", "10 minutes")
    // Read at ALL: a row counts if any replica has it. A kill -9 loses a node's last writes not yet synced to its
    // commit log (commitlog_sync periodic, 10 s), so a row acknowledged at LOCAL_QUORUM just before can sit on one replica.
    const table = yield* tableOf({ ...env, CASSANDRA_CONSISTENCY: "ALL" })
    const landed = yield* validUsersLanded(env, table, expected.ids, "6 minutes")
    const messages = yield* readTopic(env.KAFKA_TOPIC!)
    // A user sent twice (at least once: ingest sends again what kafkajs left unacknowledged when the leader died) can have a
    // copy past the window's commit; its row's written_at is then that copy's write and says nothing of the first one's.
    // So the users checked are those with every copy below the commit.
    const belowCommit = (m: (typeof messages)[number]) => Number(m.offset) < (oneDown.committed[m.partition] ?? 0)
    const copiesAbove = new Set(messages.filter((m) => !belowCommit(m)).map(idOf))
    const committedDuring = messages.filter(belowCommit).map(idOf).filter((id) => !copiesAbove.has(id))
    const writtenTimes = yield* writtenAt(table, committedDuring)
    const late = committedDuring.filter((id) => !(writtenTimes.get(id)! < oneDown.endedAt))
    assert.deepStrictEqual(
      late,
      [],
      `offsets committed while two Cassandra nodes were down whose rows were not written before (of ${committedDuring.length} checked)`
    )

    yield* finish({
      suite: "cluster",
      name: "nodes lost under load",
      env,
      table,
      workers: [worker],
      produced: expected.users.length,
      landed,
      upserts: workerUpserts(worker),
      counts: { "killed": `${leader} (leader of partition 0, then ${newLeader}),cassandra-3,cassandra-2`, lost: expected.ids.size - landed.ids.size, resent: resentRecords(ingest.output()) },
      recovery: `${seconds(recovery)} (Cassandra nodes back to ready)`
    })
  })
)
