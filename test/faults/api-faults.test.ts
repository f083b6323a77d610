import { assert } from "@effect/vitest"
import { Effect } from "effect"
import type { Faults } from "../../dev/fake-api/FakeHttpUsers.ts"
import {
  exitsZero,
  fakeApiPipeline,
  faultScenario,
  finish,
  startIngest,
  startWorker,
  validUsersLanded
} from "../support/faults.ts"
import { expectedIngest } from "../../dev/ingestPlan.ts"
import type { IngestPlan } from "../../dev/ingestPlan.ts"
import { tableOf } from "../../dev/cassandra.ts"

const invalidUserRate = 0.03
const plan: IngestPlan = { seed: "api-faults", count: 20_000, perRequest: 500, concurrency: 2, invalidUserRate }
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

faultScenario(
  "users API misbehaving",
  "500s, 429s with Retry-After, timeouts, {error} bodies, truncated JSON and invalid users: ingest exits 0, invalid counted, every valid user one row",
  Effect.gen(function*() {
    const { api, env } = yield* fakeApiPipeline({ USERS_API_TIMEOUT: "1 second" })
    const table = yield* tableOf(env)
    const expected = expectedIngest(plan)
    assert.isAbove(expected.invalid, 0)
    const worker = yield* startWorker("worker", env)
    yield* api.resetStats
    yield* api.setFaults(faults)
    const output = yield* Effect.gen(function*() {
      const ingest = yield* startIngest(env, plan, { INGEST_MAX_RETRIES: "12", INGEST_RETRY_CAP: "2 seconds" })
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

    const landed = yield* validUsersLanded(env, table, expected.ids, "3 minutes")
    yield* finish({
      name: "users API faults",
      env,
      table,
      workers: [worker],
      produced: expected.users.length,
      landed,
      counts: {
        invalid: expected.invalid,
        requests: stats.requests,
        retries,
        faults: `${JSON.stringify(stats.statuses)} errorBodies=${stats.errorBodies} truncated=${stats.truncated}`
      },
      recovery: "n/a (retried in ingest)"
    })
  })
)
