import { Option } from "effect"
import type { Tracer } from "effect"
import { Headers, HttpTraceContext } from "effect/http"

/** The W3C `traceparent` header that carries a span across Kafka, with the sampling decision of its trace (flags `01` or `00`). */
export const traceHeaders = (span: Tracer.Span): Record<string, string> => {
  const traceparent = HttpTraceContext.toHeaders(span)["traceparent"]
  return traceparent === undefined ? {} : { traceparent }
}

/** The OpenTelemetry messaging attributes of a span about a Kafka topic: system, operation and destination. */
export const messagingAttributes = (operation: "create" | "send" | "process", topic: string) => ({
  "messaging.system": "kafka",
  "messaging.operation.type": operation,
  "messaging.destination.name": topic
})

/** The producer's span of a message, from its W3C headers (its `sampled` is the trace's decision); `undefined` for a message sent without them. */
export const remoteParent = (headers: Readonly<Record<string, string>>): Tracer.ExternalSpan | undefined =>
  headers["traceparent"] === undefined
    ? undefined
    : Option.getOrUndefined(HttpTraceContext.w3c(Headers.fromRecordUnsafe(headers)))
