import { Option } from "effect"
import type { Tracer } from "effect"
import { Headers, HttpTraceContext } from "effect/http"

/** The W3C `traceparent` header that carries a span across Kafka; none for an unsampled span (tracing off). */
export const traceHeaders = (span: Tracer.Span): Record<string, string> => {
  if (!span.sampled) return {}
  const traceparent = HttpTraceContext.toHeaders(span)["traceparent"]
  return traceparent === undefined ? {} : { traceparent }
}

/** The producer's span of a message, from its W3C headers; `undefined` for a message sent without them. */
export const remoteParent = (headers: Readonly<Record<string, string>>): Tracer.ExternalSpan | undefined =>
  headers["traceparent"] === undefined
    ? undefined
    : Option.getOrUndefined(HttpTraceContext.w3c(Headers.fromRecordUnsafe(headers)))
