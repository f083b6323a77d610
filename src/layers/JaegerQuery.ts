import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Config, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { JaegerTraces } from "../domain/JaegerTrace.ts"
import { JaegerQuery, JaegerUnavailable, TraceNotFound } from "../services/JaegerQuery.ts"
import type { TraceSearch } from "../services/JaegerQuery.ts"

/** `JAEGER_QUERY_URL`: Jaeger's query service (API and UI), by default the local stack's. */
export const JaegerQueryConfig = Config.URL("JAEGER_QUERY_URL").pipe(Config.withDefault(new URL("http://127.0.0.1:16686")))

const decodeTraces = HttpClientResponse.schemaBodyJson(JaegerTraces)

/** Jaeger's HTTP query API (`/api/traces`, `/api/traces/{id}`) over `effect/http`. */
export const make = Effect.fnUntraced(function*(base: URL) {
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.mapRequest(HttpClientRequest.acceptJson))
  const url = (path: string) => new URL(path, base).href
  const unavailable = (cause: unknown) => new JaegerUnavailable({ context: `Jaeger's query API at ${base.origin} did not answer`, cause })
  const answered = (status: number) => new JaegerUnavailable({ context: `Jaeger's query API at ${base.origin} did not answer: HTTP ${status}` })

  const get = (path: string, urlParams: Record<string, string> = {}) =>
    client.execute(HttpClientRequest.get(url(path), { urlParams })).pipe(
      Effect.timeout("10 seconds"),
      Effect.mapError(unavailable)
    )
  const traces = (response: HttpClientResponse.HttpClientResponse) =>
    decodeTraces(response).pipe(Effect.map(({ data }) => data ?? []), Effect.mapError(unavailable))

  const findTraces = Effect.fn("JaegerQuery.findTraces")(function*(search: TraceSearch) {
    const response = yield* get("/api/traces", {
      service: search.service,
      tags: JSON.stringify(search.tags),
      limit: String(search.limit)
    })
    if (response.status !== 200) return yield* answered(response.status)
    return yield* traces(response)
  }, Effect.scoped)

  const getTrace = Effect.fn("JaegerQuery.getTrace")(function*(traceId: string) {
    const response = yield* get(`/api/traces/${encodeURIComponent(traceId)}`)
    const notFound = new TraceNotFound({ context: `trace ${traceId} is not in Jaeger (unsampled, not exported yet, or past retention)` })
    if (response.status === 404) return yield* notFound
    if (response.status !== 200) return yield* answered(response.status)
    const [trace] = yield* traces(response)
    return trace === undefined ? yield* notFound : trace
  }, Effect.scoped)

  return JaegerQuery.of({ findTraces, getTrace })
})

/** The query API at `JAEGER_QUERY_URL`. */
export const layer: Layer.Layer<JaegerQuery, Config.ConfigError> = Layer.unwrap(
  Effect.map(JaegerQueryConfig, (base) => Layer.effect(JaegerQuery, make(base)))
).pipe(Layer.provide(NodeHttpClient.layerUndici))

