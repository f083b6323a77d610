import { OTLPTraceExporter as GrpcExporter } from "@opentelemetry/exporter-trace-otlp-grpc"
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { core } from "@opentelemetry/sdk-node"
import type { SpanExporter } from "@opentelemetry/sdk-trace-base"
import type { TraceExporterConfig } from "./Telemetry.ts"

/** The official OTLP span exporter for the protocol. */
export const otlpExporter = (protocol: TraceExporterConfig["protocol"]): SpanExporter =>
  protocol === "grpc" ? new GrpcExporter() : protocol === "http/json" ? new JsonExporter() : new ProtobufExporter()

/** What an export's outcome changed: exports started failing (with why), or recovered. */
export type ExportHealthChange = { readonly _tag: "Failing"; readonly reason: string } | { readonly _tag: "Recovered" }

/** The exporter, reporting only changes of export health: the first failure after successes, the first success after failures. */
export const watchExports = (exporter: SpanExporter, onChange: (change: ExportHealthChange) => void): SpanExporter => {
  let failing = false
  return {
    export: (spans, done) =>
      exporter.export(spans, (result) => {
        const failed = result.code !== core.ExportResultCode.SUCCESS
        if (failed !== failing) {
          failing = failed
          onChange(failed ? { _tag: "Failing", reason: result.error?.message ?? "export failed" } : { _tag: "Recovered" })
        }
        done(result)
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve()
  }
}
