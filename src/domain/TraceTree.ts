import { linksOf, parentOf, serviceOf, tagsOf, traceStart } from "./JaegerTrace.ts"
import type { JaegerSpan, JaegerTrace } from "./JaegerTrace.ts"

/** A span another trace's span links to, as far as it could be looked up. */
export interface LinkedSpan {
  readonly service: string
  readonly operation: string
}

/** The tags worth a reader's eye, in a fixed order, shown as `name=value`. */
const keyTags: ReadonlyArray<readonly [tag: string, label: string]> = [
  ["user.id", "user"],
  ["messaging.destination.partition.id", "partition"],
  ["messaging.kafka.offset", "offset"],
  ["messaging.batch.message_count", "messages"],
  ["http.response.status_code", "status"],
  ["db.query.text", "statement"],
  ["error.type", "error.type"],
  ["otel.status_description", "error"]
]

const millis = (micros: number) => `${(micros / 1000).toFixed(micros < 10_000 ? 2 : 1)}ms`

const quote = (value: unknown) => {
  const full = String(value)
  const text = full.length > 72 ? `${full.slice(0, 71)}…` : full
  return /\s/.test(text) ? JSON.stringify(text) : text
}

const describeSpan = (trace: JaegerTrace, span: JaegerSpan, start: number) => {
  const tags = tagsOf(span)
  const shown = keyTags.filter(([tag]) => tags[tag] !== undefined).map(([tag, label]) => `${label}=${quote(tags[tag])}`)
  const failed = tags["otel.status_code"] === "ERROR" || tags["error"] === true
  return [
    serviceOf(trace, span),
    span.operationName,
    `+${millis(span.startTime - start)}`,
    millis(span.duration),
    ...(failed ? ["ERROR"] : []),
    ...(shown.length > 0 ? [shown.join(" ")] : [])
  ].join("  ")
}

const describeLink = (link: { readonly traceID: string; readonly spanID: string }, linked: ReadonlyMap<string, LinkedSpan>) => {
  const target = linked.get(link.spanID)
  return target === undefined
    ? `↳ link: span ${link.spanID} of trace ${link.traceID} (not in Jaeger: unsampled or expired)`
    : `↳ link: ${target.service} ${target.operation} (span ${link.spanID} of trace ${link.traceID})`
}

/**
 * A trace as an indented tree, one line per span (service, name, start offset from the trace's start, duration, key
 * tags), children under their parent in start order, each span's links under it.
 */
export const renderTraceTree = (trace: JaegerTrace, linked: ReadonlyMap<string, LinkedSpan> = new Map()): Array<string> => {
  const start = traceStart(trace)
  const ids = new Set(trace.spans.map((span) => span.spanID))
  const children = new Map<string | undefined, Array<JaegerSpan>>()
  for (const span of trace.spans) {
    const parent = parentOf(span)
    const key = parent !== undefined && ids.has(parent) ? parent : undefined
    children.set(key, [...(children.get(key) ?? []), span])
  }
  const services = [...new Set(trace.spans.map((span) => serviceOf(trace, span)))].sort()
  const lines = [`trace ${trace.traceID}: ${trace.spans.length} spans from ${services.join(", ")}`]
  const visit = (parent: string | undefined, depth: number) => {
    for (const span of [...(children.get(parent) ?? [])].sort((a, b) => a.startTime - b.startTime)) {
      const indent = "  ".repeat(depth)
      lines.push(`${indent}${describeSpan(trace, span, start)}`)
      for (const link of linksOf(span)) lines.push(`${indent}    ${describeLink(link, linked)}`)
      visit(span.spanID, depth + 1)
    }
  }
  visit(undefined, 1)
  return lines
}
