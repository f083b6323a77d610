import { assert, describe, it } from "@effect/vitest"
import { Cron, Duration, Effect, Exit, Fiber, Layer, Metric } from "effect"
import type { UsersPage } from "../../src/domain/RandomUser.ts"
import * as HttpUsersMemory from "../../src/layers/HttpUsersMemory.ts"
import { KafkaMemoryLog } from "../../src/layers/KafkaMemoryLog.ts"
import * as KafkaProducerMemory from "../../src/layers/KafkaProducerMemory.ts"
import { pageOfRequest } from "../../src/domain/RandomUser.ts"
import { ingest } from "../../src/programs/ingest.ts"
import { ingestRunsFailed } from "../../src/programs/Metrics.ts"
import type { PageRequest, HttpUsersError } from "../../src/services/HttpUsers.ts"
import { HttpUsersRejected, HttpUsersUnavailable } from "../../src/services/HttpUsers.ts"
import { KafkaUnavailable } from "../../src/services/KafkaErrors.ts"
import { ingestOptions } from "../support/pipeline.ts"
import { page } from "../support/users.ts"
import { TestClock } from "effect/testing"
import { patiently } from "../support/clock.ts"

interface Call {
  readonly at: number
  readonly request: PageRequest
}

/** An API that answers with `failures` first (one per call), then with pages; it records when each call came. */
const scriptedApi = (failures: Array<HttpUsersError> = []) => {
  const calls: Array<Call> = []
  const layer = HttpUsersMemory.layer((request) =>
    Effect.gen(function*() {
      calls.push({ at: yield* Effect.clockWith((c) => c.currentTimeMillis), request })
      const failure = failures.shift()
      if (failure) return yield* failure
      return page((request.page - 1) * request.results, request.results, request.seed, request.page) as UsersPage
    })
  )
  return { calls, layer }
}

const unavailable = (reason: HttpUsersUnavailable["reason"], extra: { readonly status?: number; readonly retryAfterMillis?: number } = {}) =>
  new HttpUsersUnavailable({ reason, context: `${reason} from the test API`, ...extra })

const gaps = (calls: ReadonlyArray<Call>) => calls.slice(1).map((call, i) => call.at - calls[i]!.at)

describe("ingest retries", () => {
  it.effect("retries a 503, an {error} body and a timeout with growing delays, then succeeds", () =>
    Effect.gen(function*() {
      const log = new KafkaMemoryLog(3)
      const api = scriptedApi([
        unavailable("ServerError", { status: 503 }),
        unavailable("ErrorBody"),
        unavailable("Timeout")
      ])
      const fiber = yield* ingest(ingestOptions()).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(log))),
        Effect.forkChild
      )
      yield* TestClock.adjust("1 minute")
      const summary = yield* Fiber.join(fiber)
      assert.strictEqual(api.calls.length, 4)
      const [first, second, third] = gaps(api.calls)
      assert.isTrue(first! > 0 && second! > first! && third! > second!, `delays ${gaps(api.calls)}`)
      assert.strictEqual(summary.retries, 3)
      assert.strictEqual(summary.produced, 10)
      assert.strictEqual(log.records("users_created").length, 10)
    }).pipe(patiently))

  it.effect("waits at least as long as a 429's Retry-After", () =>
    Effect.gen(function*() {
      const api = scriptedApi([unavailable("RateLimited", { status: 429, retryAfterMillis: 30_000 })])
      const fiber = yield* ingest(ingestOptions()).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.forkChild
      )
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      assert.isAtLeast(gaps(api.calls)[0]!, 30_000)
    }).pipe(patiently))

  it.effect("gives up after the retry cap with the last error", () =>
    Effect.gen(function*() {
      const api = scriptedApi(Array.from({ length: 10 }, () => unavailable("ServerError", { status: 500 })))
      const fiber = yield* ingest(ingestOptions({ retry: { base: "100 millis", cap: "1 second", maxRetries: 3 } })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.forkChild
      )
      yield* TestClock.adjust("1 minute")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(api.calls.length, 4)
      assert.isTrue(gaps(api.calls).every((gap) => gap <= 1_200), "each delay is capped (plus jitter)")
    }).pipe(patiently))

  it.effect("never retries a permanent error", () =>
    Effect.gen(function*() {
      const api = scriptedApi([new HttpUsersRejected({ context: "404 Not Found", status: 404 })])
      const exit = yield* ingest(ingestOptions()).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(api.calls.length, 1)
    }).pipe(patiently))

  it.effect("retries a broker that is unavailable and produces each user once", () =>
    Effect.gen(function*() {
      const log = new KafkaMemoryLog(3)
      let failures = 2
      const producer = KafkaProducerMemory.layer(log, {
        beforeSend: () => failures-- > 0 ? Effect.fail(new KafkaUnavailable({ context: "leader not available" })) : Effect.void
      })
      const fiber = yield* ingest(ingestOptions()).pipe(
        Effect.provide(Layer.merge(scriptedApi().layer, producer)),
        Effect.forkChild
      )
      yield* TestClock.adjust("1 minute")
      const summary = yield* Fiber.join(fiber)
      assert.strictEqual(summary.retries, 2)
      assert.strictEqual(log.records("users_created").length, 10)
    }).pipe(patiently))
})

describe("ingest modes", () => {
  const run = (options: Parameters<typeof ingest>[0], advance: Duration.Input) =>
    Effect.gen(function*() {
      const api = scriptedApi()
      const log = new KafkaMemoryLog(3)
      const fiber = yield* ingest(options).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(log))),
        Effect.forkChild
      )
      yield* TestClock.adjust(advance)
      yield* Fiber.interrupt(fiber)
      return { calls: api.calls, log }
    })

  it.effect("--count 12000 with 5000 per request makes 3 requests, the last for 2000", () =>
    Effect.gen(function*() {
      const api = scriptedApi()
      const log = new KafkaMemoryLog(3)
      const summary = yield* ingest(ingestOptions({ count: 12_000, resultsPerRequest: 5_000, concurrency: 2 })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(log)))
      )
      const calls = api.calls
      assert.strictEqual(summary.requests, 3)
      assert.deepStrictEqual(calls.map((c) => c.request.results).sort(), [2_000, 5_000, 5_000])
      assert.deepStrictEqual(calls.map((c) => c.request.page).sort(), [1, 2, 3])
      assert.strictEqual(log.records("users_created").length, 12_000)
    }).pipe(patiently))

  it.effect("--every repeats the run on the interval, with fresh pages each time", () =>
    Effect.gen(function*() {
      const { calls } = yield* run(ingestOptions({ every: Duration.seconds(10) }), "35 seconds")
      assert.deepStrictEqual(calls.map((c) => c.at), [0, 10_000, 20_000, 30_000])
      assert.deepStrictEqual(calls.map((c) => c.request.page), [1, 2, 3, 4])
    }).pipe(patiently))

  it.effect("--for stops repeating once the duration is over", () =>
    Effect.gen(function*() {
      const api = scriptedApi()
      const summary = yield* ingest(ingestOptions({ every: Duration.seconds(1), for: Duration.seconds(5) })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.forkChild,
        Effect.tap(() => TestClock.adjust("1 minute")),
        Effect.flatMap(Fiber.join)
      )
      assert.strictEqual(summary.runs, api.calls.length)
      assert.deepStrictEqual(api.calls.map((c) => c.at), [0, 1_000, 2_000, 3_000, 4_000])
    }).pipe(patiently))

  it.effect("a cron expression fires at the right times", () =>
    Effect.gen(function*() {
      const start = Date.parse("2026-11-26T10:20:00Z")
      yield* TestClock.setTime(start)
      const cron = Cron.parseUnsafe("0 */2 * * *", "UTC")
      const { calls } = yield* run(ingestOptions({ cron }), "5 hours")
      assert.deepStrictEqual(calls.map((c) => new Date(c.at).toISOString()), [
        "2026-11-26T10:20:00.000Z",
        "2026-11-26T12:00:00.000Z",
        "2026-11-26T14:00:00.000Z"
      ])
    }).pipe(patiently))
})

describe("scheduled ingest survives a failed run, like an Airflow DAG", () => {
  const fiveHundreds = (n: number) => Array.from({ length: n }, () => unavailable("ServerError", { status: 500 }))
  const policy = { base: "100 millis", cap: "1 second", maxRetries: 2 } as const

  it.effect("--every: a run whose retries run out is counted, and the next tick runs and produces", () =>
    Effect.gen(function*() {
      const api = scriptedApi(fiveHundreds(3))
      const log = new KafkaMemoryLog(1)
      const summary = yield* ingest(ingestOptions({ every: Duration.seconds(10), for: Duration.seconds(35), retry: policy })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(log))),
        Effect.forkChild,
        Effect.tap(() => TestClock.adjust("1 minute")),
        Effect.flatMap(Fiber.join)
      )
      assert.strictEqual(summary.failedRuns, 1)
      assert.strictEqual(summary.runs, 3)
      assert.strictEqual(api.calls.length, 6, "three failed attempts, then one call per tick")
      assert.deepStrictEqual(gaps(api.calls.slice(3)).map(Math.round), [10_000, 10_000])
      assert.strictEqual(log.records("users_created").length, 30)
    }).pipe(patiently))

  it.effect("--every: ingest_runs_failed counts the failed run, and only it", () =>
    Effect.gen(function*() {
      const api = scriptedApi(fiveHundreds(3))
      assert.strictEqual((yield* Metric.value(ingestRunsFailed)).count, 0)
      const summary = yield* ingest(ingestOptions({ every: Duration.seconds(10), for: Duration.seconds(35), retry: policy })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.forkChild,
        Effect.tap(() => TestClock.adjust("1 minute")),
        Effect.flatMap(Fiber.join)
      )
      assert.deepInclude(summary, { runs: 3, failedRuns: 1 })
      assert.strictEqual((yield* Metric.value(ingestRunsFailed)).count, 1)
    }).pipe(patiently, Effect.provideService(Metric.MetricRegistry, new Map())))

  it.effect("a permanent error (auth, bad URL) ends the schedule at once", () =>
    Effect.gen(function*() {
      const api = scriptedApi([new HttpUsersRejected({ context: "HTTP 401", status: 401 })])
      const fiber = yield* ingest(ingestOptions({ every: Duration.seconds(10) })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.forkChild
      )
      yield* TestClock.adjust("1 minute")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(api.calls.length, 1)
    }).pipe(patiently))

  it.effect("a one-shot ingest still fails with the run's error", () =>
    Effect.gen(function*() {
      const api = scriptedApi(fiveHundreds(3))
      const fiber = yield* ingest(ingestOptions({ retry: policy })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.forkChild
      )
      yield* TestClock.adjust("1 minute")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit) && String(exit.cause).includes("ServerError"), String(exit))
    }).pipe(patiently))

  it.effect("a 429 waits out the rate window it was given, and resumes", () =>
    Effect.gen(function*() {
      const api = scriptedApi([unavailable("RateLimited", { status: 429, retryAfterMillis: 300_000 })])
      const fiber = yield* ingest(ingestOptions({ every: Duration.minutes(1), for: Duration.seconds(30) })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.forkChild
      )
      yield* TestClock.adjust("10 minutes")
      const summary = yield* Fiber.join(fiber)
      assert.isAtLeast(gaps(api.calls)[0]!, 300_000)
      assert.deepInclude(summary, { runs: 1, failedRuns: 0, produced: 10 })
    }).pipe(patiently))

  it.effect("asks for the nationalities it was given", () =>
    Effect.gen(function*() {
      const api = scriptedApi()
      yield* ingest(ingestOptions({ nat: "US,GB" })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1))))
      )
      assert.deepStrictEqual(api.calls.map((c) => c.request.nat), ["US,GB"])
    }).pipe(patiently))
})

describe("pages randomuser.me has", () => {
  it("asks a seed's pages 1..10,000 and no more; without a seed cycles within them", () => {
    assert.deepStrictEqual([1, 10_000, 10_001].map((n) => pageOfRequest(n, true)), [1, 10_000, undefined])
    assert.deepStrictEqual([1, 10_000, 10_001, 20_001].map((n) => pageOfRequest(n, false)), [1, 10_000, 1, 1])
  })

  it.effect("a seeded ingest past the seed's 10,000th page fails with one permanent error instead of page 1's repeats", () =>
    Effect.gen(function*() {
      const api = scriptedApi()
      const exit = yield* ingest(ingestOptions({ count: 10_001, resultsPerRequest: 1, concurrency: 32 })).pipe(
        Effect.provide(Layer.merge(api.layer, KafkaProducerMemory.layer(new KafkaMemoryLog(1)))),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit) && String(exit.cause).includes("seed test has no page 10001"), String(exit))
      assert.isTrue(api.calls.every((call) => call.request.page <= 10_000))
    }).pipe(patiently), { timeout: 60_000 })
})
