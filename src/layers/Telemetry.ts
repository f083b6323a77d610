import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, Effect, Layer, References } from "effect"

/** Where traces (and, with `OTEL_METRICS_EXPORTER=otlp`, metrics) go; `OTEL_SDK_DISABLED=true` turns telemetry export off. */
export const TelemetryConfig = Config.all({
  disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
  endpoint: Config.URL("OTEL_EXPORTER_OTLP_ENDPOINT").pipe(Config.withDefault(new URL("http://127.0.0.1:4318"))),
  metrics: Config.Literals(["none", "otlp"], "OTEL_METRICS_EXPORTER").pipe(Config.withDefault("none" as const))
})

/** OpenTelemetry for one of the pipeline's services: spans (and optionally metrics) over OTLP/HTTP in batches, flushed on shutdown. */
export const layer = (serviceName: "users-ingest" | "users-stream") =>
  Layer.unwrap(Effect.gen(function*() {
    const config = yield* TelemetryConfig
    if (config.disabled) return Layer.succeed(References.TracerEnabled, false)
    const base = config.endpoint.href.endsWith("/") ? config.endpoint.href : `${config.endpoint.href}/`
    return NodeSdk.layer(() => ({
      resource: { serviceName, serviceVersion: "0.1.0", attributes: { "service.namespace": "users-pipeline" } },
      spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}v1/traces` }), { maxQueueSize: 20_000, maxExportBatchSize: 2_048 }),
      ...(config.metrics === "otlp"
        ? { metricReader: new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${base}v1/metrics` }) }) }
        : {}),
      shutdownTimeout: "5 seconds"
    }))
  }))
