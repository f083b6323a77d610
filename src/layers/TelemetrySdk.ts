// The OpenTelemetry SDK behind Effect's tracer. Loaded only when tracing is on (`Telemetry.ts`): the SDK and its
// exporters take 8–14 MiB of RSS (a `stream` idle after start; the modules loaded alone) that `OTEL_SDK_DISABLED=true` does not need.
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as OtelMetrics from "@effect/opentelemetry/OtelMetrics"
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import * as Resource from "@effect/opentelemetry/Resource"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources"
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { NodeSDK } from "@opentelemetry/sdk-node"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import type { Sampler, SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Option, Tracer } from "effect"
import { TraceSampler } from "../domain/TraceContext.ts"
import type { ServiceName, TelemetryConfig } from "./Telemetry.ts"
import { otlpExporter, watchExports } from "./TraceExporter.ts"
import type { ExportHealthChange } from "./TraceExporter.ts"
import { makeTraceSampling, samplerFromEnv } from "./TraceSampling.ts"

const describeHealth = (endpoint: string, change: ExportHealthChange) =>
  change._tag === "Failing"
    ? Effect.logWarning(`span export to ${endpoint} is failing, spans are dropped until it recovers: ${change.reason}`)
    : Effect.logInfo(`span export to ${endpoint} recovered`)

type TraceSampling = ReturnType<typeof makeTraceSampling>

/**
 * The OpenTelemetry NodeSDK, started (it registers the global tracer provider) and shut down with the scope, flushing
 * spans. Its sampler is the one the SDK reads from `OTEL_TRACES_SAMPLER` / `_ARG`, able to keep a decision made before
 * the span (`TraceSampling.ts`).
 */
const nodeSdk = (serviceName: ServiceName, config: TelemetryConfig, sampling: TraceSampling) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const endpoint = Option.getOrElse(
      config.exporter.endpoint,
      () => config.exporter.protocol === "grpc" ? "http://localhost:4317 (the OTLP default)" : "http://localhost:4318/v1/traces (the OTLP default)"
    )
    const context = yield* Effect.context<never>()
    const report = (change: ExportHealthChange) => void Effect.runForkWith(context)(describeHealth(endpoint, change))
    const exporter = watchExports(otlpExporter(config.exporter.protocol), report)
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const sdk = new NodeSDK({
          resource: defaultResource().merge(resourceFromAttributes({
            "service.name": serviceName,
            "service.namespace": "users-pipeline",
            "service.version": "0.1.0"
          })),
          sampler: sampling.sampler,
          idGenerator: sampling.idGenerator,
          spanProcessors: [new BatchSpanProcessor(exporter, {
            maxQueueSize: config.maxQueueSize,
            maxExportBatchSize: Math.min(config.maxExportBatchSize, config.maxQueueSize)
          })],
          metricReaders: []
        })
        sdk.start()
        return sdk
      }),
      (sdk) => Effect.tryPromise(() => sdk.shutdown()).pipe(Effect.timeoutOption("5 seconds"), Effect.ignore)
    )
  }))

/**
 * Effect's tracer over the provided OpenTelemetry tracer (built with `sampling`'s sampler and id generator), without
 * `OtelTracer`'s per-step context hook, and `TraceSampler` set to ask that sampler before a span exists: a message's
 * sampling is then decided once, without making a span (`MessageSpan.ts`). The hook enters OpenTelemetry's context
 * (AsyncLocalStorage) around every Effect step run inside a span, for OpenTelemetry auto-instrumentation to see the
 * active span; none runs here, spans get their parents from Effect, and the hook was most of what tracing cost the
 * stream (also in unsampled work, inside its no-op spans).
 */
export const samplingTracer = (sampling: TraceSampling): Layer.Layer<never, never, OtelTracer.OtelTracer> =>
  Layer.merge(
    Layer.effect(
      Tracer.Tracer,
      Effect.map(OtelTracer.make, (otel) => sampling.tracer(Tracer.make({ span: (options) => otel.span(options) })))
    ),
    Layer.succeed(TraceSampler, { decide: sampling.decide, dropsUnsampledRemoteParent: sampling.dropsUnsampledRemoteParent })
  )

/** The CLI's tracing over a tracer provider of one's own (tests, the micro benchmark): its span processor and sampler. */
export const layerWithProcessor = (processor: SpanProcessor, sampler: Sampler = samplerFromEnv()) => {
  const sampling = makeTraceSampling(sampler)
  return samplingTracer(sampling).pipe(
    Layer.provide(OtelTracer.layerTracer),
    Layer.provide(NodeSdk.layerTracerProvider(processor, { sampler: sampling.sampler, idGenerator: sampling.idGenerator })),
    Layer.provide(NodeSdk.layerEmpty)
  )
}

/** Effect metrics pushed over OTLP, when `OTEL_METRICS_EXPORTER=otlp` (the exporter reads its endpoint from the standard variables). */
const otlpMetrics = (serviceName: ServiceName) =>
  OtelMetrics.layer(() => new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() })).pipe(
    Layer.provide(Resource.layer({ serviceName, serviceVersion: "0.1.0", attributes: { "service.namespace": "users-pipeline" } }))
  )

/**
 * Tracing for one of the pipeline's services, configured by the SDK's standard environment variables: the NodeSDK's
 * global tracer provider (sampler, resource, batching) behind Effect's tracer (`samplingTracer`), and OTLP metrics when
 * asked for.
 */
export const layer = (serviceName: ServiceName, config: TelemetryConfig) => {
  const sampling = makeTraceSampling(samplerFromEnv())
  const tracing = samplingTracer(sampling).pipe(Layer.provide(OtelTracer.layerGlobalTracer), Layer.provide(nodeSdk(serviceName, config, sampling)))
  return config.metrics === "otlp" ? Layer.merge(tracing, otlpMetrics(serviceName)) : tracing
}
