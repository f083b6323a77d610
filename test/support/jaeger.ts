import { Effect, Schema } from "effect"

const jaeger = "http://127.0.0.1:16686"

const Tag = Schema.Struct({ key: Schema.String, value: Schema.Unknown })
const Trace = Schema.Struct({
  traceID: Schema.String,
  spans: Schema.Array(Schema.Struct({
    spanID: Schema.String,
    operationName: Schema.String,
    processID: Schema.String,
    references: Schema.Array(Schema.Struct({ refType: Schema.String, spanID: Schema.String })),
    tags: Schema.Array(Tag)
  })),
  processes: Schema.Record(Schema.String, Schema.Struct({ serviceName: Schema.String }))
})
export type Trace = typeof Trace.Type
const Traces = Schema.Struct({ data: Schema.NullOr(Schema.Array(Trace)) })
const decodeTraces = Schema.decodeUnknownEffect(Schema.fromJsonString(Traces))

/** Traces of a service carrying a tag, from Jaeger's query API. */
export const findTraces = (service: string, tags: Record<string, string>) =>
  Effect.promise(() =>
    fetch(`${jaeger}/api/traces?service=${service}&tags=${encodeURIComponent(JSON.stringify(tags))}&lookback=1h&limit=20`)
      .then((response) => response.text())
  ).pipe(Effect.flatMap(decodeTraces), Effect.map(({ data }) => data ?? []))

/** A span of a trace, flattened: service, operation, tags as a record, parent span id. */
export const spansOf = (trace: Trace) =>
  trace.spans.map((span) => ({
    service: trace.processes[span.processID]!.serviceName,
    operation: span.operationName,
    spanId: span.spanID,
    parentId: span.references.find((r) => r.refType === "CHILD_OF")?.spanID,
    tags: Object.fromEntries(span.tags.map((t) => [t.key, t.value])) as Record<string, unknown>
  }))
