import * as Otel from "@opentelemetry/api"
import { AlwaysOnSampler, ParentBasedSampler, RandomIdGenerator, SamplingDecision } from "@opentelemetry/sdk-trace-base"
import type { IdGenerator, Sampler, SamplingResult } from "@opentelemetry/sdk-trace-base"
import { createSamplerFromEnv } from "@opentelemetry/sdk-node/build/src/create-from-env.js"
import { Context, Tracer } from "effect"
import type { TraceSampling } from "../domain/TraceContext.ts"

/** A decision made before its span: the sampler's answer and, for a new root, the trace id it was given. */
interface Pinned {
  readonly result: SamplingResult
  readonly traceId: string | undefined
}

/** The annotation that hands a decision to the tracer when the span made for it is created. */
class PinnedSampling extends Context.Service<PinnedSampling, Pinned>()("users-pipeline/layers/TraceSampling/PinnedSampling") {}

/** What `NodeSDK` uses when given no sampler: `OTEL_TRACES_SAMPLER` / `_ARG` as the SDK reads them, else parent-based always-on. */
export const samplerFromEnv = (): Sampler => createSamplerFromEnv() ?? new ParentBasedSampler({ root: new AlwaysOnSampler() })

/**
 * The configured sampler asked once per trace, before any span of it exists, and the tracer provider's parts that make the
 * span created afterwards keep that answer: `sampler` and `idGenerator` go to the SDK's tracer provider, `decide` answers
 * for a remote parent or a new root, `tracer` wraps Effect's tracer so a span made with a decision's annotations is
 * started with that decision (and a root with the trace id the sampler saw) instead of being sampled again. The decision
 * reaches the sampler through a slot set only while the span is started (`startSpan` is synchronous).
 */
export const makeTraceSampling = (configured: Sampler) => {
  const random = new RandomIdGenerator()
  let pinned: Pinned | undefined

  const sampler: Sampler = {
    shouldSample: (context, traceId, name, kind, attributes, links) =>
      pinned !== undefined ? pinned.result : configured.shouldSample(context, traceId, name, kind, attributes, links),
    toString: () => configured.toString()
  }

  const idGenerator: IdGenerator = {
    generateTraceId: () => pinned?.traceId ?? random.generateTraceId(),
    generateSpanId: () => random.generateSpanId()
  }

  const notSampled: TraceSampling = { sampled: false, annotations: Context.empty() }
  // Every `parentbased_*` sampler of OTEL_TRACES_SAMPLER answers an unsampled remote parent with its AlwaysOff child, so
  // such a message (99 % of them at a 1 % ratio) is answered without asking it (`MessageSpan.ts`).
  const dropsUnsampledRemoteParent = configured instanceof ParentBasedSampler &&
    configured.toString().includes("remoteParentNotSampled=AlwaysOffSampler")

  const decide = (name: string, parent: Tracer.ExternalSpan | undefined): TraceSampling => {
    const traceId = parent === undefined ? random.generateTraceId() : parent.traceId
    const context = parent === undefined
      ? Otel.ROOT_CONTEXT
      : Otel.trace.setSpanContext(Otel.ROOT_CONTEXT, {
        traceId,
        spanId: parent.spanId,
        traceFlags: parent.sampled ? Otel.TraceFlags.SAMPLED : Otel.TraceFlags.NONE,
        isRemote: true
      })
    const result = configured.shouldSample(context, traceId, name, Otel.SpanKind.CONSUMER, {}, [])
    return result.decision === SamplingDecision.RECORD_AND_SAMPLED
      ? { sampled: true, annotations: Context.make(PinnedSampling, { result, traceId: parent === undefined ? traceId : undefined }) }
      : notSampled
  }

  const tracer = (inner: Tracer.Tracer): Tracer.Tracer => Tracer.make({
    ...inner,
    span(options) {
      const decision = Context.getOrUndefined(options.annotations, PinnedSampling)
      if (decision === undefined) return inner.span(options)
      pinned = decision
      try {
        return inner.span(options)
      } finally {
        pinned = undefined
      }
    }
  })

  return { sampler, idGenerator, decide, dropsUnsampledRemoteParent, tracer }
}
