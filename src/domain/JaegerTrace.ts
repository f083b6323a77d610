import { Schema } from "effect"

const KeyValue = Schema.Struct({ key: Schema.String, value: Schema.Unknown })

/** A span as Jaeger's query API (`/api/traces`) returns it: times in microseconds, parent and links as references. */
export const JaegerSpan = Schema.Struct({
  traceID: Schema.String,
  spanID: Schema.String,
  operationName: Schema.String,
  references: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({
    refType: Schema.String,
    traceID: Schema.String,
    spanID: Schema.String
  })))),
  startTime: Schema.Number,
  duration: Schema.Number,
  tags: Schema.optional(Schema.NullOr(Schema.Array(KeyValue))),
  logs: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({ fields: Schema.Array(KeyValue) })))),
  processID: Schema.String
})
export type JaegerSpan = typeof JaegerSpan.Type

/** A whole trace: its spans and the processes (services) that emitted them. */
export const JaegerTrace = Schema.Struct({
  traceID: Schema.String,
  spans: Schema.Array(JaegerSpan),
  processes: Schema.Record(Schema.String, Schema.Struct({ serviceName: Schema.String }))
})
export type JaegerTrace = typeof JaegerTrace.Type

/** The body of `/api/traces` and `/api/traces/{id}`. */
export const JaegerTraces = Schema.Struct({ data: Schema.NullOr(Schema.Array(JaegerTrace)) })

/** A span's tags as a record. */
export const tagsOf = (span: JaegerSpan): Record<string, unknown> =>
  Object.fromEntries((span.tags ?? []).map((tag) => [tag.key, tag.value]))

/** The span's parent in its trace, if any (a `CHILD_OF` reference). */
export const parentOf = (span: JaegerSpan): string | undefined =>
  (span.references ?? []).find((ref) => ref.refType === "CHILD_OF" && ref.traceID === span.traceID)?.spanID

/** The span's links to spans of other traces (OTLP links become `FOLLOWS_FROM` references). */
export const linksOf = (span: JaegerSpan): ReadonlyArray<{ readonly traceID: string; readonly spanID: string }> =>
  (span.references ?? []).filter((ref) => ref.refType === "FOLLOWS_FROM")

/** The service that emitted a span. */
export const serviceOf = (trace: JaegerTrace, span: JaegerSpan): string => trace.processes[span.processID]?.serviceName ?? "?"

/** The earliest start among a trace's spans, in microseconds. */
export const traceStart = (trace: JaegerTrace): number => Math.min(...trace.spans.map((span) => span.startTime))
