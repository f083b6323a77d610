import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, Effect, Layer } from "effect"

/** Where traces go and whether they are sent at all (`OTEL_SDK_DISABLED=true` turns tracing off). */
export const TelemetryConfig = Config.all({
  disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
  endpoint: Config.URL("OTEL_EXPORTER_OTLP_ENDPOINT").pipe(Config.withDefault(new URL("http://127.0.0.1:4318")))
})

/** OpenTelemetry for one of the pipeline's services: spans exported over OTLP/HTTP in batches, flushed on shutdown. */
export const layer = (serviceName: "users-ingest" | "users-stream") =>
  Layer.unwrap(Effect.gen(function*() {
    const config = yield* TelemetryConfig
    if (config.disabled) return Layer.empty
    const url = new URL("v1/traces", config.endpoint.href.endsWith("/") ? config.endpoint : `${config.endpoint.href}/`)
    return NodeSdk.layer(() => ({
      resource: { serviceName, serviceVersion: "0.1.0", attributes: { "service.namespace": "users-pipeline" } },
      spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: url.href }), { maxQueueSize: 20_000 }),
      shutdownTimeout: "5 seconds"
    }))
  }))
