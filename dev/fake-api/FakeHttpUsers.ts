import { NodeHttpServer } from "@effect/platform-node"
import { Clock, Context, Duration, Effect, Layer, Option, Random, Ref, Schema } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createServer } from "node:http"
import type { UsersBudget } from "../../src/domain/UsersBudget.ts"
import { generatePage, parseNats, servedResults } from "./RandomUserGenerator.ts"

/** One response's misbehaviour; fields combine (e.g. a delay then a 503). */
export const Fault = Schema.Struct({
  delayMs: Schema.optional(Schema.Finite),
  status: Schema.optional(Schema.Int),
  retryAfter: Schema.optional(Schema.String),
  body: Schema.optional(Schema.Literals(["error", "truncated"]))
})
export type Fault = typeof Fault.Type

/** The fault plan: `script` is consumed one fault per users request, then `random` applies. */
export const Faults = Schema.Struct({
  script: Schema.optional(Schema.Array(Fault)),
  random: Schema.optional(Schema.Array(Schema.Struct({ probability: Schema.Finite, fault: Fault }))),
  delayMs: Schema.optional(Schema.Finite),
  invalidUserRate: Schema.optional(Schema.Finite)
})
export type Faults = typeof Faults.Type

/** Counters of the users endpoint since start or the last reset. */
export interface Stats {
  readonly requests: number
  readonly pages: number
  readonly users: number
  readonly errorBodies: number
  readonly truncated: number
  /** Requests refused with 429 because the client's budget for the window was spent. */
  readonly rateLimited: number
  readonly statuses: Readonly<Record<string, number>>
}

/** randomuser.me's 429 body (it sends no `Retry-After`). */
export const RateLimitedBody = { error: "Whoa, ease up there cowboy, you've hit your rate limit. Try again later." }

/** randomuser.me's in-band failure text. */
export const ErrorBodyText = "Uh oh, something has gone wrong. Please tell us on GitHub!"

const noStats: Stats = { requests: 0, pages: 0, users: 0, errorBodies: 0, truncated: 0, rateLimited: 0, statuses: {} }

const Query = Schema.Struct({
  results: Schema.optional(Schema.String),
  page: Schema.optional(Schema.String),
  seed: Schema.optional(Schema.String),
  nat: Schema.optional(Schema.String),
  inc: Schema.optional(Schema.String)
})

/** Users served per client in fixed windows, each opened by the client's first request after the last one closed. */
const makeBudget = Effect.fnUntraced(function*(budget: UsersBudget | undefined) {
  const windows = new Map<string, { readonly endsAt: number; used: number }>()
  const windowMillis = budget === undefined ? 0 : Duration.toMillis(budget.window)
  /** Whether `client` may be served now; if so, its users are counted. */
  return (client: string, users: number) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      if (budget === undefined) return true
      let window = windows.get(client)
      if (window === undefined || window.endsAt <= now) windows.set(client, window = { endsAt: now + windowMillis, used: 0 })
      if (window.used >= budget.users) return false
      window.used += users
      return true
    })
})

const makeControl = Effect.fnUntraced(function*(initial: Faults, budget: UsersBudget | undefined) {
  const plan = yield* Ref.make({ faults: initial, cursor: 0 })
  const spend = yield* makeBudget(budget)
  const stats = yield* Ref.make(noStats)
  const nextFault = Effect.gen(function*() {
    const scripted = yield* Ref.modify(plan, (state) => {
      const fault = state.faults.script?.[state.cursor]
      return [{ fault, faults: state.faults }, fault === undefined ? state : { ...state, cursor: state.cursor + 1 }] as const
    })
    if (scripted.fault !== undefined || scripted.faults.random === undefined) return scripted
    let draw = yield* Random.next
    const random = scripted.faults.random.find(({ probability }) => (draw -= probability) < 0)
    return { fault: random?.fault, faults: scripted.faults }
  })
  const count = (update: (stats: Stats) => Partial<Stats>, status: number) =>
    Ref.update(stats, (s) => ({ ...s, ...update(s), statuses: { ...s.statuses, [status]: (s.statuses[status] ?? 0) + 1 } }))
  return {
    nextFault,
    count,
    spend,
    setFaults: (faults: Faults) => Ref.set(plan, { faults, cursor: 0 }),
    faults: Effect.map(Ref.get(plan), ({ cursor, faults }) => ({ ...faults, script: faults.script?.slice(cursor) })),
    stats: Ref.get(stats),
    resetStats: Ref.set(stats, noStats)
  }
})
type Control = Effect.Success<ReturnType<typeof makeControl>>

const randomSeed = Effect.map(Random.nextIntBetween(0, 0xffffffff), (n) => n.toString(16).padStart(8, "0"))

const pickFields = (inc: string | undefined) => (user: Record<string, unknown>) =>
  inc === undefined ? user : Object.fromEntries(inc.split(",").map((key) => [key, user[key]]))

const serveUsers = (control: Control) =>
  Effect.gen(function*() {
    const query = yield* HttpServerRequest.schemaSearchParams(Query)
    const results = servedResults(query.results === undefined ? 1 : Number(query.results))
    const client = Option.getOrElse((yield* HttpServerRequest.HttpServerRequest).remoteAddress, () => "unknown")
    if (!(yield* control.spend(client, results))) {
      yield* control.count((s) => ({ requests: s.requests + 1, rateLimited: s.rateLimited + 1 }), 429)
      return HttpServerResponse.jsonUnsafe(RateLimitedBody, { status: 429 })
    }
    const { fault, faults } = yield* control.nextFault
    const delayMs = (faults.delayMs ?? 0) + (fault?.delayMs ?? 0)
    if (delayMs > 0) yield* Effect.sleep(delayMs)
    const status = fault?.status ?? 200
    if (status !== 200) {
      yield* control.count((s) => ({ requests: s.requests + 1 }), status)
      const headers = fault?.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter }
      return HttpServerResponse.jsonUnsafe({ error: `fake status ${status}` }, { status, headers })
    }
    if (fault?.body === "error") {
      yield* control.count((s) => ({ requests: s.requests + 1, errorBodies: s.errorBodies + 1 }), status)
      return HttpServerResponse.jsonUnsafe({ error: ErrorBodyText })
    }
    const seed = query.seed ?? (yield* randomSeed)
    const page = generatePage({
      seed,
      page: query.page === undefined ? 1 : Number(query.page),
      results,
      nats: parseNats(query.nat),
      invalidUserRate: faults.invalidUserRate
    })
    const text = JSON.stringify({ ...page, results: page.results.map(pickFields(query.inc)) })
    if (fault?.body === "truncated") {
      yield* control.count((s) => ({ requests: s.requests + 1, truncated: s.truncated + 1 }), status)
      return HttpServerResponse.text(text.slice(0, text.length >> 1), { contentType: "application/json" })
    }
    yield* control.count((s) => ({ requests: s.requests + 1, pages: s.pages + 1, users: s.users + page.results.length }), status)
    return HttpServerResponse.text(text, { contentType: "application/json" })
  }).pipe(Effect.catchTag("SchemaError", (error) => Effect.succeed(HttpServerResponse.jsonUnsafe({ error: error.message }, { status: 400 }))))

const setFaults = (control: Control) =>
  HttpServerRequest.schemaBodyJson(Faults).pipe(
    Effect.flatMap(control.setFaults),
    Effect.as(HttpServerResponse.empty({ status: 204 })),
    Effect.catch((error) => Effect.succeed(HttpServerResponse.jsonUnsafe({ error: error.message }, { status: 400 })))
  )

const routes = (control: Control) =>
  HttpRouter.use(Effect.fnUntraced(function*(router) {
    for (const path of ["/", "/api", "/api/1.4"] as const) {
      yield* router.add("GET", path, serveUsers(control))
    }
    yield* router.add("GET", "/__faults", Effect.map(control.faults, (faults) => HttpServerResponse.jsonUnsafe(faults)))
    yield* router.add("POST", "/__faults", setFaults(control))
    yield* router.add("DELETE", "/__faults", Effect.as(control.setFaults({}), HttpServerResponse.empty({ status: 204 })))
    yield* router.add("GET", "/__stats", Effect.map(control.stats, (stats) => HttpServerResponse.jsonUnsafe(stats)))
    yield* router.add("DELETE", "/__stats", Effect.as(control.resetStats, HttpServerResponse.empty({ status: 204 })))
  }))

/** A running fake randomuser.me: its base URL and in-process fault control. */
export class FakeHttpUsers extends Context.Service<FakeHttpUsers, {
  readonly port: number
  /** Base URL of the API, `http://host:port/api/1.4/`. */
  readonly url: string
  /** Replaces the fault plan and restarts its script. */
  readonly setFaults: (faults: Faults) => Effect.Effect<void>
  /** The fault plan with the unconsumed part of its script. */
  readonly faults: Effect.Effect<Faults>
  /** Request counters of the users endpoint. */
  readonly stats: Effect.Effect<Stats>
  /** Zeroes the counters. */
  readonly resetStats: Effect.Effect<void>
}>()("users-pipeline/dev/FakeHttpUsers") {
  /** Serves the fake API over HTTP for the lifetime of the layer. */
  static readonly layer = (options: ServerOptions = {}): Layer.Layer<FakeHttpUsers, ServeError> => serve(options)
}

/** Where and how the fake server starts; port 0 (the default) picks a free port. */
export interface ServerOptions {
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly faults?: Faults | undefined
  /** randomuser.me's rate limit: users per client per window (upstream 20,000 per 5 minutes); none when absent. */
  readonly budget?: UsersBudget | undefined
}

const serve = (options: ServerOptions): Layer.Layer<FakeHttpUsers, ServeError> =>
  Layer.unwrap(Effect.gen(function*() {
    const control = yield* makeControl(options.faults ?? {}, options.budget)
    const host = options.host ?? "127.0.0.1"
    const handle = Effect.gen(function*() {
      const { address } = yield* HttpServer.HttpServer
      const port = address._tag === "UnixPathAddress" ? 0 : address.port
      const { setFaults, faults, stats, resetStats } = control
      return FakeHttpUsers.of({ port, url: `http://${host}:${port}/api/1.4/`, setFaults, faults, stats, resetStats })
    })
    return Layer.effect(FakeHttpUsers, handle).pipe(
      Layer.merge(HttpRouter.serve(routes(control), { disableLogger: true, disableListenLog: true })),
      Layer.provide(NodeHttpServer.layer(createServer, { port: options.port ?? 0, host }))
    )
  }))
