import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Clock, Config, Duration, Effect, Layer, Option, Result, Schema } from "effect"
import { Headers, HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import type { HttpClientError } from "effect/http/HttpClientError"
import { RateLimiter } from "effect/persistence"
import { ApiResponse, type UsersPage } from "../domain/RandomUser.ts"
import { type UsersBudget, UsersBudgetFromString } from "../domain/UsersBudget.ts"
import { HttpUsers, type PageRequest, HttpUsersRejected, HttpUsersUnavailable } from "../services/HttpUsers.ts"

/** Where and how the live layer talks to the users API. */
export interface Options {
  /** Base URL, e.g. `https://randomuser.me/api/1.4/`. */
  readonly url: string
  /** Longest wait for a whole answer (headers and body). */
  readonly timeout: Duration.Input
  /** Most requests per second across the process; unlimited when absent. */
  readonly rateLimit?: number | undefined
  /** How long a 429 without `Retry-After` waits: the API's rate-limit window (randomuser.me: 5 minutes). */
  readonly rateWindow?: Duration.Input | undefined
  /** Most users asked per window across the process (requests wait for the next window); unlimited when absent. */
  readonly budget?: UsersBudget | undefined
}

const config = Config.all({
  url: Config.URL("USERS_API_URL").pipe(Config.withDefault(new URL("https://randomuser.me/api/1.4/"))),
  timeout: Config.Duration("USERS_API_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10))),
  rateLimit: Config.option(Config.schema(Schema.Finite.check(Schema.isGreaterThan(0)), "USERS_API_RATE_LIMIT")),
  rateWindow: Config.Duration("USERS_API_RATE_WINDOW").pipe(Config.withDefault(Duration.minutes(5))),
  budget: Config.option(Config.schema(UsersBudgetFromString, "USERS_API_BUDGET"))
})

type Extra = { readonly status?: number; readonly retryAfterMillis?: number; readonly cause?: unknown }
const unavailable = (reason: HttpUsersUnavailable["reason"], context: string, extra: Extra = {}) =>
  new HttpUsersUnavailable({ reason, context, ...extra })

const retryAfterMillis = (response: HttpClientResponse.HttpClientResponse, now: number): Extra =>
  Headers.get(response.headers, "retry-after").pipe(
    Option.flatMap((value) => Result.getSuccess(Headers.parseRetryAfter(value))),
    Option.match({
      onNone: () => ({}),
      onSome: (retryAfter) => ({ retryAfterMillis: Duration.toMillis(Headers.retryAfterDelay(retryAfter, now)) })
    })
  )

const decodeBody = HttpClientResponse.schemaBodyJson(ApiResponse)

/** randomuser.me answers some requests with other ones (page 10,001 as page 1, `results=0` as 1 user): never take those as asked. */
const mismatch = (request: PageRequest, page: UsersPage): string | undefined =>
  page.info.page !== request.page
    ? `asked page ${request.page}, the answer is page ${page.info.page}`
    : page.info.results !== request.results || page.results.length !== request.results
    ? `asked ${request.results} users, the answer says ${page.info.results} and holds ${page.results.length}`
    : undefined

/** randomuser.me's 429 has no `Retry-After`: its budget is per window, so a retry must wait the window out. */
const rateLimited = (response: HttpClientResponse.HttpClientResponse, now: number, window: Duration.Duration) => {
  const asked = retryAfterMillis(response, now)
  return asked.retryAfterMillis !== undefined
    ? unavailable("RateLimited", "HTTP 429 Too Many Requests", { status: 429, ...asked })
    : unavailable("RateLimited", `HTTP 429 Too Many Requests without Retry-After: waiting out the ${Duration.format(window)} rate window`, {
      status: 429,
      retryAfterMillis: Duration.toMillis(window)
    })
}

const toPage = Effect.fnUntraced(function*(
  request: PageRequest,
  response: HttpClientResponse.HttpClientResponse,
  rateWindow: Duration.Duration
) {
  const status = response.status
  if (status === 429) return yield* rateLimited(response, yield* Clock.currentTimeMillis, rateWindow)
  if (status >= 500) return yield* unavailable("ServerError", `HTTP ${status}`, { status })
  if (status < 200 || status >= 300) return yield* new HttpUsersRejected({ context: `HTTP ${status}`, status })
  const body = yield* decodeBody(response).pipe(
    Effect.mapError((cause) => unavailable("MalformedBody", "body is not a users page", { status, cause }))
  )
  if ("error" in body) return yield* unavailable("ErrorBody", body.error, { status })
  const unexpected = mismatch(request, body)
  if (unexpected !== undefined) return yield* unavailable("UnexpectedPage", unexpected, { status })
  return body
})

/** A failed exchange: its own message says what was asked and what went wrong. */
const fromClientError = (cause: HttpClientError) => {
  const status = cause.response === undefined ? {} : { status: cause.response.status }
  switch (cause.reason._tag) {
    case "TransportError":
      return unavailable("Transport", "", { cause })
    case "DecodeError":
    case "EmptyBodyError":
      return unavailable("MalformedBody", "", { ...status, cause })
    default:
      return new HttpUsersRejected({ context: "", cause, ...status })
  }
}

/** Builds the service over the ambient `HttpClient`; one rate limiter per call. */
export const make = Effect.fnUntraced(function*(options: Options) {
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.mapRequest(HttpClientRequest.acceptJson), HttpClient.withScope)
  const timeout = Duration.fromInputUnsafe(options.timeout)
  const rateWindow = Duration.fromInputUnsafe(options.rateWindow ?? Duration.minutes(5))
  const limiter = yield* RateLimiter.RateLimiter.pipe(
    Effect.provide(RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory)))
  )
  const limited = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | RateLimiter.RateLimiterError> =>
    options.rateLimit === undefined ? effect : Effect.andThen(
      RateLimiter.sleep(limiter, { key: "users-api", limit: options.rateLimit, window: "1 second", algorithm: "token-bucket" }),
      effect
    )
  const budget = options.budget
  /** Waits, saying so, until the budget's window has room for `results` more users. */
  const withinBudget = (results: number): Effect.Effect<void, RateLimiter.RateLimiterError> =>
    budget === undefined ? Effect.void : limiter.consume({
      key: "users-api-budget",
      limit: budget.users,
      window: budget.window,
      tokens: Math.min(results, budget.users),
      algorithm: "fixed-window",
      onExceeded: "delay"
    }).pipe(
      Effect.flatMap(({ delay }) =>
        Duration.isZero(delay) ? Effect.void : Effect.logInfo(
          `USERS_API_BUDGET ${budget.users}/${Duration.format(budget.window)} spent: waiting ${Duration.format(delay)} for the next window`
        ).pipe(Effect.andThen(Effect.sleep(delay)))
      )
    )

  const fetchPage = Effect.fn("HttpUsers.fetchPage")(function*(request: PageRequest) {
    const httpRequest = HttpClientRequest.get(options.url, {
      urlParams: { results: request.results, page: request.page, seed: request.seed, nat: request.nat }
    })
    yield* Effect.annotateCurrentSpan({
      "http.request.method": "GET",
      "url.full": Option.match(HttpClientRequest.toUrl(httpRequest), { onNone: () => options.url, onSome: String }),
      "users.page": request.page,
      "users.results": request.results
    })
    const exchange = client.execute(httpRequest).pipe(
      Effect.tap((response) => Effect.annotateCurrentSpan("http.response.status_code", response.status)),
      Effect.flatMap((response) => toPage(request, response, rateWindow)),
      Effect.catchTag("HttpClientError", (error) => Effect.fail(fromClientError(error))),
      Effect.scoped,
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(unavailable("Timeout", `no answer within ${Duration.format(timeout)}`))
      })
    )
    return yield* withinBudget(request.results).pipe(
      Effect.andThen(limited(exchange)),
      Effect.catchTag("RateLimiterError", Effect.die)
    )
  })

  return HttpUsers.of({ fetchPage })
})

/** The users API over `effect/http` + undici, configured from options. */
export const layerWith = (options: Options): Layer.Layer<HttpUsers> =>
  Layer.effect(HttpUsers, make(options)).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** The users API configured from `USERS_API_URL`, `USERS_API_TIMEOUT`, `USERS_API_RATE_LIMIT`, `USERS_API_RATE_WINDOW`, `USERS_API_BUDGET`. */
export const layer: Layer.Layer<HttpUsers, Config.ConfigError> = Layer.unwrap(Effect.gen(function*() {
  const { budget, rateLimit, rateWindow, timeout, url } = yield* config
  return layerWith({
    url: url.href,
    timeout,
    rateLimit: Option.getOrUndefined(rateLimit),
    rateWindow,
    budget: Option.getOrUndefined(budget)
  })
}))
