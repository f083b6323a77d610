import { InMemorySpanExporter, ParentBasedSampler, SamplingDecision, SimpleSpanProcessor, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base"
import type { Sampler } from "@opentelemetry/sdk-trace-base"
import * as Otel from "@opentelemetry/api"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, References } from "effect"
import { hasUnsampledParent, remoteParent } from "../../src/domain/TraceContext.ts"
import { layerWithProcessor } from "../../src/layers/TelemetrySdk.ts"
import { messageSampler, messageSampling, withMessageSpan } from "../../src/programs/MessageSpan.ts"

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const spanId = "00f067aa0ba902b7"
const sampledParent = { traceparent: `00-${traceId}-${spanId}-01` }
const unsampledParent = { traceparent: `00-${traceId}-${spanId}-00` }
const noParent = {}

/** A sampler that records the trace ids of the new roots it was asked about, answering as `inner`. */
const counting = (inner: Sampler) => {
  const traceIds: Array<string> = []
  const sampler: Sampler = {
    shouldSample: (context, id, ...rest) => {
      if (Otel.trace.getSpanContext(context) === undefined) traceIds.push(id)
      return inner.shouldSample(context, id, ...rest)
    },
    toString: () => `counting ${inner}`
  }
  return { sampler, traceIds }
}

/** Samples the first new root it is asked about and no other: a second question gets another answer. */
const firstRootOnly = (): Sampler => {
  let asked = 0
  return new ParentBasedSampler({
    root: {
      shouldSample: () => ({ decision: asked++ === 0 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD }),
      toString: () => "first root only"
    }
  })
}

const ratio = (r: number) => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(r) })

/** Runs `effect` under the CLI's tracing with `sampler`; returns its result and every finished span. */
const withTracing = <A, E>(sampler: Sampler, effect: Effect.Effect<A, E>) => {
  const exporter = new InMemorySpanExporter()
  return effect.pipe(
    Effect.map((result) => ({ result, spans: exporter.getFinishedSpans() })),
    Effect.provide(layerWithProcessor(new SimpleSpanProcessor(exporter), sampler))
  )
}

/** A message's work that makes a span of its own (as the write does). */
const work = Effect.void.pipe(Effect.withSpan("CassandraRepo.upsert"))
const processed = (headers: Record<string, string>) =>
  work.pipe(withMessageSpan({ name: "process users_created", headers, attributes: { "messaging.system": "kafka" } }))

describe("a message's sampling, decided before any span exists", () => {
  it.effect("a parent whose traceparent says sampled is continued, even where the sampler would not sample a new root", () =>
    Effect.gen(function*() {
      const { result, spans } = yield* withTracing(ratio(0), Effect.zip(messageSampling(sampledParent), processed(sampledParent)))
      const [sampling] = result
      assert.isTrue(sampling.traced)
      assert.strictEqual(sampling.traced && sampling.parent?.spanId, spanId)
      const process = spans.find((s) => s.name === "process users_created")!
      assert.strictEqual(process.spanContext().traceId, traceId)
      assert.strictEqual(process.parentSpanContext?.spanId, spanId)
      assert.deepStrictEqual(spans.map((s) => s.name).sort(), ["CassandraRepo.upsert", "process users_created"])
    }))

  it.effect("a parent whose traceparent says unsampled is untraced, and its work makes no span at all", () =>
    Effect.gen(function*() {
      const { result, spans } = yield* withTracing(ratio(1), Effect.zip(messageSampling(unsampledParent), processed(unsampledParent)))
      assert.isFalse(result[0].traced)
      assert.deepStrictEqual(spans, [])
    }))

  it.effect("a parent-based sampler told to sample unsampled remote parents is still asked about them", () =>
    Effect.gen(function*() {
      const keepsUnsampled = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0), remoteParentNotSampled: new TraceIdRatioBasedSampler(1) })
      const { result, spans } = yield* withTracing(keepsUnsampled, Effect.zip(messageSampling(unsampledParent), processed(unsampledParent)))
      assert.isTrue(result[0].traced)
      assert.strictEqual(spans.find((s) => s.name === "process users_created")?.spanContext().traceId, traceId)
    }))

  // Headers `remoteParent` rejects although they end in an unsampled flag, and some it accepts.
  const traceparents = [
    `00-${traceId}-${spanId}-00`, `00-${traceId}-${spanId}-01`, `00-${traceId}-${spanId}-02`, `00-${traceId}-${spanId}-03`,
    `00-${"0".repeat(32)}-${spanId}-00`, `00-${traceId}-${"0".repeat(16)}-00`, `00-${traceId.toUpperCase()}-${spanId}-00`,
    `01-${traceId}-${spanId}-00`, `00-${traceId}-${spanId}-00-extra`, `00-${traceId}-${spanId}-0`, `00-${traceId}0-${spanId}-00`,
    `00-${traceId}-${spanId}-0g`, ` 00-${traceId}-${spanId}-00`, ""
  ]

  it("tells an unsampled parent without parsing it exactly where parsing finds one", () => {
    for (const traceparent of traceparents) {
      const parsed = remoteParent({ traceparent })
      assert.strictEqual(hasUnsampledParent({ traceparent }), parsed !== undefined && !parsed.sampled, traceparent)
    }
    assert.isFalse(hasUnsampledParent(noParent))
  })

  it.effect("a traceparent that is not valid, though flagged unsampled, makes a new root the sampler decides", () =>
    Effect.gen(function*() {
      const invalid = { traceparent: `00-${"0".repeat(32)}-${spanId}-00` }
      const { result, spans } = yield* withTracing(ratio(1), Effect.zip(messageSampling(invalid), processed(invalid)))
      assert.isTrue(result[0].traced)
      const process = spans.find((s) => s.name === "process users_created")
      assert.isDefined(process)
      assert.notStrictEqual(process!.spanContext().traceId, "0".repeat(32))
      assert.isUndefined(process!.parentSpanContext)
    }))

  it.effect("a new root at ratio 0 is untraced without a span being made", () =>
    Effect.gen(function*() {
      const { sampler, traceIds } = counting(ratio(0))
      const { result, spans } = yield* withTracing(sampler, Effect.zip(messageSampling(noParent), processed(noParent)))
      assert.isFalse(result[0].traced)
      assert.deepStrictEqual(spans, [])
      assert.strictEqual(traceIds.length, 2)
    }))

  it.effect("a new root at ratio 1 is traced: a root span with the trace id the sampler was asked about, asked once", () =>
    Effect.gen(function*() {
      const { sampler, traceIds } = counting(ratio(1))
      const { result, spans } = yield* withTracing(sampler, Effect.gen(function*() {
        const sampling = yield* messageSampling(noParent)
        yield* work.pipe(withMessageSpan({ name: "process users_created", headers: noParent, attributes: {}, sampling }))
        return sampling
      }))
      assert.isTrue(result.traced)
      assert.strictEqual(traceIds.length, 1)
      const process = spans.find((s) => s.name === "process users_created")!
      assert.isUndefined(process.parentSpanContext)
      assert.strictEqual(process.spanContext().traceId, traceIds[0])
      assert.strictEqual(spans.find((s) => s.name === "CassandraRepo.upsert")!.parentSpanContext?.spanId, process.spanContext().spanId)
    }))

  it.effect("the decision is made once: the span keeps it although the sampler would now answer otherwise", () =>
    Effect.gen(function*() {
      const { result, spans } = yield* withTracing(firstRootOnly(), Effect.gen(function*() {
        const sampling = yield* messageSampling(noParent)
        yield* work.pipe(withMessageSpan({ name: "process users_created", headers: noParent, attributes: {}, sampling }))
        return sampling
      }))
      assert.isTrue(result.traced)
      assert.deepStrictEqual(spans.map((s) => s.name).sort(), ["CassandraRepo.upsert", "process users_created"])
    }))

  it.effect("at a ratio, a traced root's trace id is one the SDK's ratio sampler samples, and an untraced root leaves no span", () =>
    Effect.gen(function*() {
      const messages = 400
      const { result, spans } = yield* withTracing(ratio(0.25), Effect.gen(function*() {
        const decide = yield* messageSampler
        const decisions = Array.from({ length: messages }, () => decide(noParent))
        yield* Effect.forEach(decisions, (sampling) =>
          work.pipe(withMessageSpan({ name: "process users_created", headers: noParent, attributes: {}, sampling })))
        return decisions.filter((d) => d.traced).length
      }))
      assert.isAbove(result, messages * 0.1)
      assert.isBelow(result, messages * 0.4)
      const processes = spans.filter((s) => s.name === "process users_created")
      assert.strictEqual(processes.length, result)
      const check = new TraceIdRatioBasedSampler(0.25)
      for (const span of processes) {
        const decision = check.shouldSample(Otel.ROOT_CONTEXT, span.spanContext().traceId).decision
        assert.strictEqual(decision, SamplingDecision.RECORD_AND_SAMPLED)
      }
    }))

  it.effect("with tracing off nothing is traced and the sampler is never asked", () =>
    Effect.gen(function*() {
      const { sampler, traceIds } = counting(ratio(1))
      const off = Effect.all([messageSampling(noParent), messageSampling(sampledParent), processed(noParent)]).pipe(
        Effect.provide(Layer.succeed(References.TracerEnabled, false))
      )
      const { result, spans } = yield* withTracing(sampler, off)
      assert.deepStrictEqual([result[0].traced, result[1].traced], [false, false])
      assert.deepStrictEqual(spans, [])
      assert.strictEqual(traceIds.length, 0)
    }))

  it.effect("without the SDK's sampler (Effect's own tracer) the traceparent's flag decides, and a message without one is traced", () =>
    Effect.gen(function*() {
      const [unsampled, sampled, root] = yield* Effect.all([messageSampling(unsampledParent), messageSampling(sampledParent), messageSampling(noParent)])
      assert.isFalse(unsampled.traced)
      assert.isTrue(sampled.traced && sampled.parent?.traceId === traceId && sampled.parent.spanId === spanId)
      assert.isTrue(root.traced && root.parent === undefined)
    }))
})
