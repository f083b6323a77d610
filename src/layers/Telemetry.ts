// Tracing and metrics of the pipeline's services: what they read from the environment, and the layer that turns
// tracing off or loads the OpenTelemetry SDK (`TelemetrySdk.ts`) only when it is on.
import { Config, Effect, Layer, References } from "effect"

/**
 * The OTLP protocol of span exports (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else
 * `http/json`: the spec's default `http/protobuf` encodes slower in JavaScript, see the README's performance notes) and,
 * for messages only, the endpoint it goes to. The exporter reads its own endpoint, headers, timeout and compression from
 * the standard variables.
 */
export const TraceExporterConfig = Config.all({
  protocol: Config.Literals(["grpc", "http/protobuf", "http/json"], "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").pipe(
    Config.orElse(() => Config.Literals(["grpc", "http/protobuf", "http/json"], "OTEL_EXPORTER_OTLP_PROTOCOL")),
    Config.withDefault("http/json" as const)
  ),
  endpoint: Config.String("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").pipe(
    Config.orElse(() => Config.String("OTEL_EXPORTER_OTLP_ENDPOINT")),
    Config.option
  )
})
export type TraceExporterConfig = typeof TraceExporterConfig extends Config.Config<infer A> ? A : never

/**
 * What the pipeline reads itself; everything else (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`
 * and `_ARG`, `OTEL_EXPORTER_OTLP_*`, `OTEL_BSP_*`) is read by the OpenTelemetry SDK. The two batch sizes keep the SDK's
 * variables but raise its defaults: one ingest request finishes thousands of spans at once.
 */
export const TelemetryConfig = Config.all({
  disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
  metrics: Config.Literals(["none", "otlp"], "OTEL_METRICS_EXPORTER").pipe(Config.withDefault("none" as const)),
  maxQueueSize: Config.Int("OTEL_BSP_MAX_QUEUE_SIZE").pipe(Config.withDefault(20_000)),
  maxExportBatchSize: Config.Int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE").pipe(Config.withDefault(2_048)),
  exporter: TraceExporterConfig
})
export type TelemetryConfig = typeof TelemetryConfig extends Config.Config<infer A> ? A : never

export type ServiceName = "users-ingest" | "users-stream"

/**
 * OpenTelemetry for one of the pipeline's services, configured by the SDK's standard environment variables
 * (`TelemetrySdk.layer`). `OTEL_SDK_DISABLED=true` turns tracing off entirely: no span is even created, and the SDK is
 * not loaded.
 */
export const layer = (serviceName: ServiceName) =>
  Layer.unwrap(Effect.gen(function*() {
    const config = yield* TelemetryConfig
    if (config.disabled) return Layer.succeed(References.TracerEnabled, false)
    const sdk = yield* Effect.promise(() => import("./TelemetrySdk.ts"))
    return sdk.layer(serviceName, config)
  }))
