import { Context, Option } from "effect"
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

/**
 * The producer's span of a message, from its W3C headers (its `sampled` is the trace's decision); `undefined` for a message
 * sent without them. Only the `traceparent` is handed to the parser: `Headers.fromRecordUnsafe` sets the prototype of the
 * record it is given, which must not be the message's own headers (an object kept and read again on the hot path).
 */
export const remoteParent = (headers: Readonly<Record<string, string>>): Tracer.ExternalSpan | undefined => {
  const traceparent = headers["traceparent"]
  return traceparent === undefined
    ? undefined
    : Option.getOrUndefined(HttpTraceContext.w3c(Headers.fromRecordUnsafe({ traceparent })))
}

/** A trace's sampling, decided before any span of it exists. */
export interface TraceSampling {
  readonly sampled: boolean
  /** Annotations for the span made for this decision: they hand the decision to the tracer, so the span is not sampled again. */
  readonly annotations: Context.Context<never>
}

/** Asks the configured sampler about a span continuing `parent`, or a new root when it is `undefined`. */
export type DecideSampling = (spanName: string, parent: Tracer.ExternalSpan | undefined) => TraceSampling

/**
 * The configured sampler, asked without making a span: `decide(spanName, remoteParent)` for a span continuing a remote
 * parent, or a new root when the parent is `undefined`. `undefined` (the default) when the tracer is not the SDK's set up
 * by `layers/TelemetrySdk.ts`: then a new root's sampling is decided by creating its span.
 */
export const TraceSampler = Context.Reference<DecideSampling | undefined>(
  "users-pipeline/domain/TraceContext/TraceSampler",
  { defaultValue: () => undefined }
)
