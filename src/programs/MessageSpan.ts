import { Effect, Exit } from "effect"
import type { Tracer } from "effect"
import { remoteParent } from "../domain/TraceContext.ts"

export interface MessageSpanOptions {
  readonly name: string
  /** The message's headers: a `traceparent` makes the span a child of the producer's, in its trace. */
  readonly headers: Readonly<Record<string, string>>
  readonly attributes: Record<string, unknown>
  /** An error to record on the span although the work succeeded (a message handled by dead-lettering it). */
  readonly failure?: unknown
}

/**
 * Runs a consumed message's work inside its `process` span, continuing the producer's trace. The trace's
 * sampling decision is honoured: for a message whose trace is not sampled (its `traceparent` says so, or
 * the sampler declined a new root) the work runs with tracing off, so it makes no spans at all.
 */
export const withMessageSpan = (options: MessageSpanOptions) =>
<A, E, R>(work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const parent = remoteParent(options.headers)
  if (parent !== undefined && !parent.sampled) return Effect.withTracerEnabled(work, false)
  const spanOptions: Tracer.SpanOptionsNoTrace = {
    kind: "consumer",
    root: parent === undefined,
    ...(parent === undefined ? {} : { parent }),
    attributes: options.attributes
  }
  return Effect.flatMap(Effect.makeSpan(options.name, spanOptions), (span) =>
    span.sampled
      ? Effect.onExit(Effect.withParentSpan(work, span), (exit) =>
        Effect.clockWith((clock) =>
          Effect.sync(() =>
            span.end(
              clock.currentTimeNanosUnsafe(),
              Exit.isSuccess(exit) && options.failure !== undefined ? Exit.fail(options.failure) : exit
            )
          )
        ))
      : Effect.andThen(Effect.sync(() => span.end(0n, Exit.void)), Effect.withTracerEnabled(work, false)))
}
