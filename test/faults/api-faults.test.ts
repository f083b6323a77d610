import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeRandomUser, layer as fakeApi } from "../support/FakeRandomUser.ts"
import type { Faults } from "../support/FakeRandomUser.ts"
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
  report,
  startWorker,
  stopWorker,
  tableOf,
  writesApplied
} from "../support/faults.ts"

const invalidUserRate = 0.03
const tooSlow = { delayMs: 2_500 }

/** Each of the first requests meets one kind of fault, then about a third of the requests fail at random. */
const faults: Faults = {
  script: [
    { status: 500 },
    { status: 429, retryAfter: "1" },
    tooSlow,
    { body: "error" },
    { body: "truncated" },
    { status: 503 }
  ],
  random: [
    { probability: 0.08, fault: { status: 500 } },
    { probability: 0.05, fault: { status: 429, retryAfter: "1" } },
    { probability: 0.05, fault: tooSlow },
    { probability: 0.06, fault: { body: "error" } },
    { probability: 0.06, fault: { body: "truncated" } }
  ],
  invalidUserRate
}

layer(fakeApi(), { timeout: "15 minutes", excludeTestServices: true })("users API misbehaving", (it) => {
  it.effect("500s, 429s with Retry-After, timeouts, {error} bodies, truncated JSON and invalid users: ingest exits 0, invalid counted, every valid user one row", () =>
    Effect.gen(function*() {
      const api = yield* FakeRandomUser
      const env = freshEnv({ USERS_API_URL: api.url, USERS_API_TIMEOUT: "1 second" })
      const table = yield* tableOf(env)
      const expected = expectedIngest(ingestPages("api-faults", 20_000, 500, invalidUserRate))
      assert.isAbove(expected.invalid, 0)
      const worker = yield* startWorker("worker", env)
      yield* api.resetStats
      yield* api.setFaults(faults)
      const output = yield* Effect.gen(function*() {
        const ingest = yield* startLogged("ingest", ingestArgs("api-faults", 20_000, 500, 2), {
          ...env,
          INGEST_MAX_RETRIES: "12",
          INGEST_RETRY_CAP: "2 seconds"
        })
        yield* exitsZero(ingest, "ingest")
        return ingest.output()
      }).pipe(Effect.ensuring(api.setFaults({})))
      const stats = yield* api.stats
      const summary = /ingest done: .*/.exec(output)?.[0] ?? ""
      assert.include(summary, `requests=40 `)
      assert.include(summary, `invalid=${expected.invalid} `)
      assert.include(summary, `produced=${expected.users.length} `)
      const retries = Number(/retries=(\d+)/.exec(summary)?.[1])
      assert.isAtLeast(retries, faults.script!.length)

      yield* eventually("every message committed", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "3 minutes")
      const ids = yield* table.ids
      assertExactRows(ids, expected.ids)
      const dead = yield* deadLetters(env)
      assert.strictEqual(dead.length, 0)
      const writes = yield* writesApplied(table)
      yield* stopWorker(worker)
      yield* report(env, "users API faults", {
        produced: expected.users.length,
        invalid: expected.invalid,
        rows: ids.size,
        "dead-lettered": dead.length,
        duplicates: `${writes - ids.size} (Cassandra upserts - rows)`,
        requests: stats.requests,
        retries,
        faults: `${JSON.stringify(stats.statuses)} errorBodies=${stats.errorBodies} truncated=${stats.truncated}`,
        recovery: "n/a (retried in ingest)"
      })
      yield* table.dropKeyspace
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
