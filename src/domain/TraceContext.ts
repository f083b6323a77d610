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

/** A version-00 `traceparent` that `remoteParent` accepts (ids not all zero), with its sampled flag (bit 0 of the flags) off. */
const unsampledTraceparent = /^00-(?!0{32}-)[0-9a-f]{32}-(?!0{16}-)[0-9a-f]{16}-[0-9a-f][02468ace]$/

/**
 * Whether the message's `traceparent` is one `remoteParent` would parse into an unsampled parent, told by one test of the
 * header, without parsing it: what a parent-based sampler needs of 99 % of messages at a 1 % ratio.
 */
export const hasUnsampledParent = (headers: Readonly<Record<string, string>>): boolean => {
  const traceparent = headers["traceparent"]
  return traceparent !== undefined && unsampledTraceparent.test(traceparent)
}

/** A trace's sampling, decided before any span of it exists. */
export interface TraceSampling {
  readonly sampled: boolean
  /** Annotations for the span made for this decision: they hand the decision to the tracer, so the span is not sampled again. */
  readonly annotations: Context.Context<never>
}

/** Asks the configured sampler about a span continuing `parent`, or a new root when it is `undefined`. */
export type DecideSampling = (spanName: string, parent: Tracer.ExternalSpan | undefined) => TraceSampling

/** The configured sampler, to ask before any span exists. */
export interface SamplerAhead {
  readonly decide: DecideSampling
  /**
   * Its answer for every unsampled remote parent is no (the `parentbased_*` samplers of `OTEL_TRACES_SAMPLER`): a
   * message whose `traceparent` is flagged unsampled is then untraced without asking it.
   */
  readonly dropsUnsampledRemoteParent: boolean
}

/**
 * The configured sampler, asked without making a span: `decide(spanName, remoteParent)` for a span continuing a remote
 * parent, or a new root when the parent is `undefined`. `undefined` (the default) when the tracer is not the SDK's set up
 * by `layers/TelemetrySdk.ts`: then a new root's sampling is decided by creating its span.
 */
export const TraceSampler = Context.Reference<SamplerAhead | undefined>(
  "users-pipeline/domain/TraceContext/TraceSampler",
  { defaultValue: () => undefined }
)
