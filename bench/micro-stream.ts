// Per-message cost of the stream program itself: in-memory Kafka and Cassandra, no I/O. The third argument is
// `off` (default), `on` (Effect's in-process tracer, no export) or a sampling ratio such as `1` or `0.01` (the
// OpenTelemetry SDK with `parentbased_traceidratio` at that ratio behind the CLI's tracer, spans batched to an
// exporter that drops them). With a ratio, the messages carry the `traceparent` ingest gives them at that ratio; the
// fourth argument `roots` sends them without (every message a new root the stream's sampler decides).
// Prints one JSON line (wall and CPU µs per message: on a busy box the CPU time is the steadier one).
// node bench/micro-stream.ts [count] [concurrency] [off|on|ratio] [roots]
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base"
import type { SpanExporter } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"
import { Effect, Layer, References } from "effect"
import * as CassandraRepoMemory from "../src/layers/CassandraRepoMemory.ts"
import type { MemoryRow } from "../src/layers/CassandraRepoMemory.ts"
import * as KafkaConsumerMemory from "../src/layers/KafkaConsumerMemory.ts"
import { KafkaMemoryLog } from "../src/layers/KafkaMemoryLog.ts"
import { layerWithProcessor } from "../src/layers/TelemetrySdk.ts"
import * as KafkaProducerMemory from "../src/layers/KafkaProducerMemory.ts"
import { stream } from "../src/programs/stream.ts"
import type { StreamOptions } from "../src/programs/stream.ts"
import { record, tracedRecord, users } from "./dataset.ts"

const [countArg = "100000", concurrencyArg = "64", tracing = "off", headers = "traceparent"] = process.argv.slice(2)
// The CLI's NodeSDK registers OpenTelemetry's AsyncLocalStorage context manager; so does this, for the same costs.
if (tracing !== "off" && tracing !== "on") new NodeTracerProvider().register()
const dropping: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() }
const ratio = tracing === "off" || tracing === "on" ? undefined : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Number(tracing)) })
const tracer = ratio === undefined
  ? Layer.succeed(References.TracerEnabled, tracing === "on")
  : layerWithProcessor(new BatchSpanProcessor(dropping, { maxQueueSize: 20_000, maxExportBatchSize: 2_048 }), ratio)
const log = new KafkaMemoryLog(6)
log.append("users_created", users("micro", Number(countArg)).map(ratio === undefined || headers === "roots" ? record : tracedRecord(ratio)))
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
const cpuStarted = process.cpuUsage()
await Effect.runPromise(stream(options).pipe(Effect.provide(layers)))
const seconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpuStarted)
console.log(JSON.stringify({ tracing, headers: ratio === undefined ? "none" : headers, messages: table.size, seconds, perMessageMicros: (seconds * 1e6) / table.size, cpuMicrosPerMessage: (cpu.user + cpu.system) / table.size }))
