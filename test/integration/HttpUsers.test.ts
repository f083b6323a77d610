import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, layer } from "@effect/vitest"
import { Clock, ConfigProvider, Duration, Effect, Layer, Schema } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { transformPage } from "../../src/domain/Transform.ts"
import { layer as HttpUsersLive, make, type Options } from "../../src/layers/HttpUsers.ts"
import { HttpUsers, type PageRequest } from "../../src/services/HttpUsers.ts"
import { FakeHttpUsers, type Faults } from "../../dev/fake-api/FakeHttpUsers.ts"
import { expectedUsers } from "../../dev/fake-api/RandomUserGenerator.ts"

const request: PageRequest = { results: 20, page: 3, seed: "integration" }

const fetchWith = (faults: Faults, options: Partial<Options> = {}, pageRequest: PageRequest = request) =>
  Effect.gen(function*() {
    const fake = yield* FakeHttpUsers
    yield* fake.setFaults(faults)
    yield* fake.resetStats
    const users = yield* make({ url: fake.url, timeout: "2 seconds", ...options })
    return yield* users.fetchPage(pageRequest)
  })

const failureOf = (faults: Faults, options: Partial<Options> = {}) => Effect.flip(fetchWith(faults, options))

describe("HttpUsers (live layer against the fake randomuser.me)", () => {
  layer(Layer.mergeAll(FakeHttpUsers.layer(), NodeHttpClient.layerUndici), { excludeTestServices: true })((it) => {
    it.effect("decodes a page into exactly the users the seed and page determine", () =>
      Effect.gen(function*() {
        const page = yield* fetchWith({})
        assert.deepStrictEqual(page.info, { seed: "integration", results: 20, page: 3, version: "1.4" })
        assert.deepStrictEqual(transformPage(page.results, "").users, expectedUsers({ seed: "integration", page: 3, results: 20 }))
      }))

    it.effect("passes nat= and reports the random seed the API chose when none is asked", () =>
      Effect.gen(function*() {
        const page = yield* fetchWith({}, {}, { results: 10, page: 1, seed: undefined, nat: "GB" })
        assert.isAbove(page.info.seed.length, 0)
        assert.deepStrictEqual(new Set(page.results.map((user) => (user as { nat: string }).nat)), new Set(["GB"]))
      }))

    it.effect("maps a 503 to Unavailable/ServerError with the status, without retrying", () =>
      Effect.gen(function*() {
        const error = yield* failureOf({ script: [{ status: 503 }] })
        assert.deepInclude(error, { _tag: "HttpUsersUnavailable", reason: "ServerError", status: 503 })
        assert.strictEqual((yield* (yield* FakeHttpUsers).stats).requests, 1)
      }))

    it.effect("maps a 429 to Unavailable/RateLimited with Retry-After in milliseconds", () =>
      Effect.gen(function*() {
        const error = yield* failureOf({ script: [{ status: 429, retryAfter: "2" }] })
        assert.deepInclude(error, { _tag: "HttpUsersUnavailable", reason: "RateLimited", status: 429, retryAfterMillis: 2000 })
      }))

    it.effect("reads a Retry-After given as an HTTP date", () =>
      Effect.gen(function*() {
        const retryAt = new Date((yield* Clock.currentTimeMillis) + 5000).toUTCString()
        const error = yield* failureOf({ script: [{ status: 429, retryAfter: retryAt }] })
        assert.strictEqual(error._tag === "HttpUsersUnavailable" && error.reason, "RateLimited")
        const millis = error._tag === "HttpUsersUnavailable" ? error.retryAfterMillis ?? 0 : 0
        assert.isTrue(millis > 3000 && millis <= 5000, `retryAfterMillis ${millis}`)
      }))

    it.effect("maps the in-band { error } body to Unavailable/ErrorBody", () =>
      Effect.gen(function*() {
        const error = yield* failureOf({ script: [{ body: "error" }] })
        assert.deepInclude(error, { _tag: "HttpUsersUnavailable", reason: "ErrorBody", status: 200 })
      }))

    it.effect("maps a truncated body to Unavailable/MalformedBody", () =>
      Effect.gen(function*() {
        const error = yield* failureOf({ script: [{ body: "truncated" }] })
        assert.deepInclude(error, { _tag: "HttpUsersUnavailable", reason: "MalformedBody" })
      }))

    it.effect("maps an answer slower than the timeout to Unavailable/Timeout", () =>
      Effect.gen(function*() {
        const error = yield* failureOf({ script: [{ delayMs: 1000 }] }, { timeout: "200 millis" })
        assert.deepInclude(error, { _tag: "HttpUsersUnavailable", reason: "Timeout" })
      }))

    it.effect("maps a 404 to Rejected", () =>
      Effect.gen(function*() {
        const error = yield* failureOf({ script: [{ status: 404 }] })
        assert.deepInclude(error, { _tag: "HttpUsersRejected", status: 404 })
      }))

    it.effect("maps a refused connection to Unavailable/Transport", () =>
      Effect.gen(function*() {
        const error = yield* failureOf({}, { url: "http://127.0.0.1:1/api/1.4/" })
        assert.deepInclude(error, { _tag: "HttpUsersUnavailable", reason: "Transport" })
      }))

    it.effect("spaces requests to the configured rate limit", () =>
      Effect.gen(function*() {
        const fake = yield* FakeHttpUsers
        yield* fake.setFaults({})
        const users = yield* make({ url: fake.url, timeout: "2 seconds", rateLimit: 5 })
        const start = yield* Clock.currentTimeMillis
        yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (page) => users.fetchPage({ ...request, page }), { concurrency: 10 })
        assert.isAtLeast((yield* Clock.currentTimeMillis) - start, 900)
      }))

    it.effect("takes its fault plan from POST /__faults and counts in GET /__stats", () =>
      Effect.gen(function*() {
        const fake = yield* FakeHttpUsers
        const client = yield* HttpClient.HttpClient
        const control = new URL("/__faults", fake.url).href
        yield* fake.resetStats
        yield* HttpClientRequest.post(control).pipe(
          HttpClientRequest.bodyJsonUnsafe({ script: [{ status: 500 }] }),
          client.execute,
          Effect.flatMap(HttpClientResponse.filterStatusOk)
        )
        const users = yield* make({ url: fake.url, timeout: "2 seconds" })
        const error = yield* Effect.flip(users.fetchPage(request))
        yield* users.fetchPage(request)
        assert.deepInclude(error, { reason: "ServerError", status: 500 })
        const stats = yield* client.get(new URL("/__stats", fake.url)).pipe(
          Effect.flatMap(HttpClientResponse.schemaBodyJson(Schema.Struct({ requests: Schema.Finite, pages: Schema.Finite })))
        )
        assert.deepStrictEqual(stats, { requests: 2, pages: 1 })
      }))

    it.effect("reads USERS_API_* from config and fails at start on a bad value, naming the variable", () =>
      Effect.gen(function*() {
        const fake = yield* FakeHttpUsers
        yield* fake.setFaults({})
        const configured = (env: Record<string, string>) =>
          HttpUsersLive.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({ USERS_API_URL: fake.url, ...env }))))
        const page = yield* Effect.flatMap(HttpUsers, (users) => users.fetchPage(request)).pipe(
          Effect.provide(configured({
            USERS_API_TIMEOUT: "5 seconds",
            USERS_API_RATE_LIMIT: "50",
            USERS_API_RATE_WINDOW: "1 minute",
            USERS_API_BUDGET: "20000/5 minutes"
          }))
        )
        assert.strictEqual(page.results.length, request.results)
        for (const [variable, value] of [["USERS_API_RATE_LIMIT", "-1"], ["USERS_API_RATE_WINDOW", "soon"], ["USERS_API_BUDGET", "20000"]] as const) {
          const error = yield* Effect.flip(Layer.build(configured({ [variable]: value })))
          assert.include(error.message, variable)
        }
      }))

    it.effect("fails an answer for another page or another number of users than asked (randomuser's silent changes)", () =>
      Effect.gen(function*() {
        const wrapped = yield* Effect.flip(fetchWith({}, {}, { results: 5, page: 10_001, seed: "wrap" }))
        assert.deepInclude(wrapped, { _tag: "HttpUsersUnavailable", reason: "UnexpectedPage" })
        assert.include(wrapped.message, "asked page 10001, the answer is page 1")
        const one = yield* Effect.flip(fetchWith({}, {}, { results: 5001, page: 1, seed: "many" }))
        assert.deepInclude(one, { _tag: "HttpUsersUnavailable", reason: "UnexpectedPage" })
        assert.include(one.message, "asked 5001 users")
      }))
  })

  describe("against a budget of 30 users per client per hour", () => {
    layer(Layer.mergeAll(FakeHttpUsers.layer({ budget: { users: 30, window: Duration.hours(1) } }), NodeHttpClient.layerUndici), {
      excludeTestServices: true
    })((it) => {
      it.effect("answers 429 without Retry-After once spent, which waits out the configured window", () =>
        Effect.gen(function*() {
          const fake = yield* FakeHttpUsers
          const users = yield* make({ url: fake.url, timeout: "2 seconds", rateWindow: "20 seconds" })
          yield* users.fetchPage({ ...request, results: 20 })
          yield* users.fetchPage({ ...request, results: 20 })
          const error = yield* Effect.flip(users.fetchPage({ ...request, results: 20 }))
          assert.deepInclude(error, { _tag: "HttpUsersUnavailable", reason: "RateLimited", status: 429, retryAfterMillis: 20_000 })
          assert.include(error.message, "without Retry-After: waiting out the 20s rate window")
          const raw = yield* (yield* HttpClient.HttpClient).get(fake.url, { urlParams: { results: 1 } })
          assert.strictEqual(raw.status, 429)
          assert.isUndefined(raw.headers["retry-after"])
          assert.match(((yield* raw.json) as { error: string }).error, /^Whoa, ease up there cowboy/)
          assert.strictEqual((yield* fake.stats).rateLimited, 2)
        }))
    })
  })
})
