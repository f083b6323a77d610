import { Context, Effect, Exit, References } from "effect"
import type { Fiber, Tracer } from "effect"
import { hasUnsampledParent, remoteParent, TraceSampler } from "../domain/TraceContext.ts"
import type { SamplerAhead } from "../domain/TraceContext.ts"

/**
 * Whether a consumed message is traced, decided before any span exists. An untraced message's work needs no span and no
 * wrapper at all; a traced one is run by `withMessageSpan` with this decision, which its span keeps.
 */
export type MessageSampling =
  | { readonly traced: false }
  | {
    readonly traced: true
    /** The producer's span from the message's `traceparent`; `undefined` makes the message's span a new root. */
    readonly parent: Tracer.ExternalSpan | undefined
    /** Hand the decision to the tracer when the span is made (empty when no sampler could be asked beforehand). */
    readonly annotations: Context.Context<never>
  }

type Headers = Readonly<Record<string, string>>

const untraced: MessageSampling = { traced: false }

/** The span name the sampler is asked with: the consumer's `process <topic>` spans, without the topic. */
const processSpan = "process"

const samplerOf = (enabled: boolean, sampler: SamplerAhead | undefined) => {
  // Without a sampler to ask, as with a parent-based one, a parent flagged unsampled is not traced: no need to parse it.
  const followsParent = sampler === undefined || sampler.dropsUnsampledRemoteParent
  return (headers: Headers): MessageSampling => {
    if (!enabled || (followsParent && hasUnsampledParent(headers))) return untraced
    const parent = remoteParent(headers)
    // With no sampler, an unsampled parent was answered above: what is left is a sampled parent or a new root.
    if (sampler === undefined) return { traced: true, parent, annotations: Context.empty() }
    const decision = sampler.decide(processSpan, parent)
    return decision.sampled ? { traced: true, parent, annotations: decision.annotations } : untraced
  }
}

const fiberSampler = (fiber: Fiber.Fiber<unknown, unknown>) => samplerOf(fiber.getRef(References.TracerEnabled), fiber.getRef(TraceSampler))

/**
 * The fiber's message sampling as a plain function, to look up once and call per message (e.g. to split a fetched batch
 * into traced and untraced messages): tracing off answers untraced; otherwise a `traceparent`'s trace is continued as the
 * configured sampler says for that parent (for the parent-based samplers, the parent's sampled flag), and a message
 * without one is a new root the sampler is asked about, with the trace id its span will get. No span is made.
 */
export const messageSampler: Effect.Effect<(headers: Headers) => MessageSampling> = Effect.withFiberSucceed(fiberSampler)

/** One message's sampling decision: `messageSampler` applied to its headers. */
export const messageSampling = (headers: Headers): Effect.Effect<MessageSampling> =>
  Effect.withFiberSucceed((fiber) => fiberSampler(fiber)(headers))

export interface MessageSpanOptions {
  readonly name: string
  /** The message's headers: a `traceparent` makes the span a child of the producer's, in its trace. */
  readonly headers: Headers
  /** The span's attributes; a function is called only for a traced message. */
  readonly attributes: Record<string, unknown> | (() => Record<string, unknown>)
  /** An error to record on the span although the work succeeded (a message handled by dead-lettering it). */
  readonly failure?: unknown
  /** The message's decision from `messageSampling`, when already made; else it is made here. */
  readonly sampling?: MessageSampling
}

type Traced = Extract<MessageSampling, { readonly traced: true }>

/**
 * Makes a traced message's span, as its sampling decided: `undefined` when the tracer does not sample it after all (then
 * its work makes no span either). It is not the fiber's current span: run the work under it with `underMessageSpan`,
 * which ends it, or end it yourself (`span.end`) when the work ran outside it (a row of a bulk write).
 */
export const startMessageSpan = (options: MessageSpanOptions, sampling: Traced): Effect.Effect<Tracer.Span | undefined> =>
  Effect.map(
    Effect.makeSpan(options.name, {
      kind: "consumer",
      root: sampling.parent === undefined,
      ...(sampling.parent === undefined ? {} : { parent: sampling.parent }),
      annotations: sampling.annotations,
      attributes: typeof options.attributes === "function" ? options.attributes() : options.attributes
    }),
    (span) => {
      if (span.sampled) return span
      span.end(0n, Exit.void)
      return undefined
    }
  )

/** Ends a message's span now with its work's exit; a work that succeeded with `failure` (dead-lettered) records that. */
const endMessageSpan = (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>, failure?: unknown): Effect.Effect<void> =>
  Effect.clockWith((clock) =>
    Effect.sync(() =>
      span.end(clock.currentTimeNanosUnsafe(), Exit.isSuccess(exit) && failure !== undefined ? Exit.fail(failure) : exit)
    )
  )

/** Runs `work` under a span made by `startMessageSpan` (or with tracing off when there is none) and ends the span with it. */
export const underMessageSpan = <A, E, R>(span: Tracer.Span | undefined, work: Effect.Effect<A, E, R>, failure?: unknown): Effect.Effect<A, E, R> =>
  span === undefined
    ? Effect.withTracerEnabled(work, false)
    : Effect.onExit(Effect.withParentSpan(work, span, { captureStackTrace: false }), (exit) => endMessageSpan(span, exit, failure))

const traced = <A, E, R>(options: MessageSpanOptions, sampling: MessageSampling, work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  sampling.traced
    ? Effect.flatMap(startMessageSpan(options, sampling), (span) => underMessageSpan(span, work, options.failure))
    : Effect.withTracerEnabled(work, false)

/**
 * Runs a consumed message's work inside its `process` span, continuing the producer's trace, as `messageSampling`
 * decided (given in `options.sampling`, or decided here): an untraced message's work runs with tracing off, so it makes
 * no spans at all. Only without a sampler to ask beforehand (a tracer not set up by `layers/TelemetrySdk.ts`) is a new
 * root's decision made by creating its span.
 */
export const withMessageSpan = (options: MessageSpanOptions) =>
<A, E, R>(work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  options.sampling !== undefined
    ? traced(options, options.sampling, work)
    : Effect.withFiber((fiber) => traced(options, fiberSampler(fiber)(options.headers), work))
