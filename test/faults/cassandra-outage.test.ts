import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeRandomUser, layer as fakeApi } from "../support/FakeRandomUser.ts"
import { eventually } from "../support/cli.ts"
import { committedOffsets, drained, freshEnv, readTopic } from "../support/kafka.ts"
import {
  assertExactRows,
  deadLetters,
  exitsZero,
  expectedIngest,
  idOf,
  ingestArgs,
  ingestPages,
  startLogged,
  report,
  seconds,
  startWorker,
  stopWorker,
  tableOf,
  whileStopped,
  writtenAt
} from "../support/faults.ts"

const outage = 30_000

layer(fakeApi(), { timeout: "15 minutes", excludeTestServices: true })("Cassandra stopped for 30 s", (it) => {
  it.effect("the stream retries, is not ready, commits no offset past an unwritten row, and resumes when Cassandra is back", () =>
    Effect.gen(function*() {
      const api = yield* FakeRandomUser
      const env = freshEnv({ USERS_API_URL: api.url })
      const expected = expectedIngest(ingestPages("cassandra-outage", 30_000, 500))
      const worker = yield* startWorker("worker", env)
      yield* eventually("the worker ready", worker.ready, "2 minutes")
      const ingest = yield* startLogged("ingest", ingestArgs("cassandra-outage", 30_000, 500, 1), { ...env, USERS_API_RATE_LIMIT: "2" })
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
      yield* eventually("every message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "4 minutes")
      const table = yield* tableOf(env)
      const messages = yield* readTopic(env.KAFKA_TOPIC!)
      const committedDuring = messages.filter((m) => Number(m.offset) < (during.committed[m.partition] ?? 0)).map(idOf)
      const written = yield* writtenAt(table, committedDuring)
      const late = committedDuring.filter((id) => !(written.get(id)! < during.endedAt))
      assert.deepStrictEqual(late, [], "offsets committed during the outage whose rows were not written before it ended")

      const ids = yield* table.ids
      assertExactRows(ids, expected.ids)
      const dead = yield* deadLetters(env)
      assert.strictEqual(dead.length, 0)
      const { written: upserts } = yield* worker.counters
      yield* stopWorker(worker)
      yield* report(env, "Cassandra down 30 s", {
        produced: expected.users.length,
        rows: ids.size,
        "dead-lettered": dead.length,
        duplicates: `${upserts - ids.size} (users_written - rows)`,
        "committed during outage": committedDuring.length,
        recovery: `${seconds(recovery)} (Cassandra back to rows written)`
      })
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
