import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { layer as HttpUsersLive } from "../../src/layers/HttpUsers.ts"
import { HttpUsers, HttpUsersUnavailable } from "../../src/services/HttpUsers.ts"

/** A local server answering every request as a spent randomuser.me does: 429, its cowboy body, no Retry-After. */
const spentApi = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly close: () => void }>((resume) => {
    const server = createServer((_request, response) => {
      response.writeHead(429, { "content-type": "application/json" })
      response.end(JSON.stringify({ error: "Whoa, ease up there cowboy, you've hit our rate limit." }))
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}/api/1.4/`, close: () => server.close() }))
    })
  }),
  (api) => Effect.sync(api.close)
)

/** What the live layer, configured from these variables only, fails a request with. */
const rateLimitedWith = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const users = yield* HttpUsers
    return yield* Effect.flip(users.fetchPage({ results: 10, page: 1, seed: "window" }))
  }).pipe(Effect.provide(HttpUsersLive.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))))

describe("HttpUsers rate window (USERS_API_RATE_WINDOW)", () => {
  it.live("a 429 without Retry-After waits 5 minutes when USERS_API_RATE_WINDOW is unset, the variable's duration when set", () =>
    Effect.gen(function*() {
      const api = yield* spentApi
      const unset = yield* rateLimitedWith({ USERS_API_URL: api.url })
      assert.instanceOf(unset, HttpUsersUnavailable)
      assert.deepInclude(unset, { reason: "RateLimited", status: 429, retryAfterMillis: 5 * 60_000 })
      assert.include(unset.message, "waiting out the 5m rate window")
      const set = yield* rateLimitedWith({ USERS_API_URL: api.url, USERS_API_RATE_WINDOW: "20 seconds" })
      assert.deepInclude(set, { reason: "RateLimited", retryAfterMillis: 20_000 })
    }).pipe(Effect.scoped))
})
