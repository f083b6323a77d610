import { Effect, Schema } from "effect"
import { JaegerTraces, linksOf, parentOf, serviceOf, tagsOf } from "../../src/domain/JaegerTrace.ts"
import type { JaegerTrace } from "../../src/domain/JaegerTrace.ts"

const jaeger = "http://127.0.0.1:16686"

export type Trace = JaegerTrace
const decodeTraces = Schema.decodeUnknownEffect(Schema.fromJsonString(JaegerTraces))

const getTraces = (url: string) =>
  Effect.promise(() => fetch(url).then((response) => response.text())).pipe(
    Effect.flatMap(decodeTraces),
    Effect.map(({ data }) => data ?? [])
  )

/** Traces of a service carrying every tag, from Jaeger's query API (its own parameters only: service, tags, limit). */
export const findTraces = (service: string, tags: Record<string, string>, limit = 20) =>
  getTraces(`${jaeger}/api/traces?service=${service}&tags=${encodeURIComponent(JSON.stringify(tags))}&limit=${limit}`)

/** One trace by id; none when Jaeger does not have it. */
export const getTrace = (traceId: string) =>
  Effect.map(getTraces(`${jaeger}/api/traces/${traceId}`).pipe(Effect.orElseSucceed(() => [])), (traces) => traces[0])

/** A span of a trace, flattened: service, operation, tags as a record, parent span id, links to other traces' spans. */
export const spansOf = (trace: Trace) =>
  trace.spans.map((span) => ({
    service: serviceOf(trace, span),
    operation: span.operationName,
    spanId: span.spanID,
    parentId: parentOf(span),
    links: linksOf(span),
    tags: tagsOf(span)
  }))
