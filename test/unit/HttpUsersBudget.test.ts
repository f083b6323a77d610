import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import { make } from "../../src/layers/HttpUsers.ts"
import { generatePage } from "../../dev/fake-api/RandomUserGenerator.ts"

/** An HTTP client answering every request with the fake API's page for it, recording when each request was sent. */
const recordingClient = (sentAt: Array<number>) =>
  HttpClient.make((request, url) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      sentAt.push(now)
      const query = { seed: "budget", page: Number(url.searchParams.get("page")), results: Number(url.searchParams.get("results")) }
      return HttpClientResponse.fromWeb(request, new Response(JSON.stringify(generatePage(query)), { headers: { "content-type": "application/json" } }))
    })
  )

describe("HttpUsers client-side budget (USERS_API_BUDGET)", () => {
  it.effect("sends at most the budget's users per window: later requests wait for the next window", () =>
    Effect.gen(function*() {
      const sentAt: Array<number> = []
      const users = yield* make({ url: "http://fake.invalid/api/1.4/", timeout: "1 hour", budget: { users: 2000, window: Duration.seconds(20) } }).pipe(
        Effect.provide(Layer.succeed(HttpClient.HttpClient, recordingClient(sentAt)))
      )
      const fiber = yield* Effect.forEach([1, 2, 3, 4, 5, 6], (page) => users.fetchPage({ results: 1000, page, seed: "budget" }), { concurrency: 1 }).pipe(
        Effect.forkChild
      )
      yield* TestClock.adjust("2 minutes")
      const pages = yield* Fiber.join(fiber)
      assert.deepStrictEqual(pages.map((page) => page.info.page), [1, 2, 3, 4, 5, 6])
      const windows = sentAt.map((at) => Math.floor(at / 20_000))
      assert.deepStrictEqual(windows, [0, 0, 1, 1, 2, 2])
    }))

  it.effect("sends at once without a budget", () =>
    Effect.gen(function*() {
      const sentAt: Array<number> = []
      const users = yield* make({ url: "http://fake.invalid/api/1.4/", timeout: "1 hour" }).pipe(
        Effect.provide(Layer.succeed(HttpClient.HttpClient, recordingClient(sentAt)))
      )
      yield* Effect.forEach([1, 2, 3, 4], (page) => users.fetchPage({ results: 1000, page, seed: "budget" }))
      assert.deepStrictEqual(sentAt, [0, 0, 0, 0])
    }))
})
