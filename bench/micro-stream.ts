// Per-message cost of the stream program itself: in-memory Kafka and Cassandra, no I/O. The third argument is
// `off` (default), `on` (Effect's in-process tracer, no export) or a sampling ratio such as `1` or `0.01` (the
// OpenTelemetry SDK with `parentbased_traceidratio` at that ratio behind the CLI's `effectTracer`, spans batched to an
// exporter that drops them).
// Prints one JSON line. node bench/micro-stream.ts [count] [concurrency] [off|on|ratio]
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base"
import type { SpanExporter } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"
import { Effect, Layer, References } from "effect"
import * as CassandraRepoMemory from "../src/layers/CassandraRepoMemory.ts"
import type { MemoryRow } from "../src/layers/CassandraRepoMemory.ts"
import * as KafkaConsumerMemory from "../src/layers/KafkaConsumerMemory.ts"
import { KafkaMemoryLog } from "../src/layers/KafkaMemoryLog.ts"
import { effectTracer } from "../src/layers/Telemetry.ts"
import * as KafkaProducerMemory from "../src/layers/KafkaProducerMemory.ts"
import { stream } from "../src/programs/stream.ts"
import type { StreamOptions } from "../src/programs/stream.ts"
import { record, users } from "./dataset.ts"

const [countArg = "100000", concurrencyArg = "64", tracing = "off"] = process.argv.slice(2)
// The CLI's NodeSDK registers OpenTelemetry's AsyncLocalStorage context manager; so does this, for the same costs.
if (tracing !== "off" && tracing !== "on") new NodeTracerProvider().register()
const dropping: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() }
const tracer = tracing === "off" || tracing === "on"
  ? Layer.succeed(References.TracerEnabled, tracing === "on")
  : effectTracer.pipe(
    Layer.provide(OtelTracer.layerTracer),
    Layer.provide(NodeSdk.layerTracerProvider(new BatchSpanProcessor(dropping, { maxQueueSize: 20_000, maxExportBatchSize: 2_048 }), {
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Number(tracing)) })
    })),
    Layer.provide(NodeSdk.layerEmpty)
  )
const log = new KafkaMemoryLog(6)
log.append("users_created", users("micro", Number(countArg)).map(record))
const table = new Map<string, MemoryRow>()
const layers = Layer.mergeAll(
  KafkaConsumerMemory.layer(log, { topic: "users_created", group: "micro", endWhenCaughtUp: true, maxBatch: 500 }),
  KafkaProducerMemory.layer(log),
  CassandraRepoMemory.layer(table)
).pipe(Layer.provideMerge(tracer))
const options: StreamOptions = {
  deadLetterTopic: "users_created.dlq",
  concurrency: Number(concurrencyArg),
  retry: { base: "100 millis", cap: "1 second", maxRetries: undefined },
  progressEvery: "1 hour"
}
const started = performance.now()
await Effect.runPromise(stream(options).pipe(Effect.provide(layers)))
const seconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ tracing, messages: table.size, seconds, perMessageMicros: (seconds * 1e6) / table.size }))
