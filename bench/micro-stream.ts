// Per-message cost of the stream program itself: in-memory Kafka and Cassandra, no I/O, tracing off unless
// the third argument is `on` (the in-process tracer, no export). Prints one JSON line.
// node bench/micro-stream.ts [count] [concurrency] [on|off]
import { Effect, Layer, References } from "effect"
import * as CassandraRepoMemory from "../src/layers/CassandraRepoMemory.ts"
import type { MemoryRow } from "../src/layers/CassandraRepoMemory.ts"
import * as KafkaConsumerMemory from "../src/layers/KafkaConsumerMemory.ts"
import { KafkaMemoryLog } from "../src/layers/KafkaMemoryLog.ts"
import * as KafkaProducerMemory from "../src/layers/KafkaProducerMemory.ts"
import { stream } from "../src/programs/stream.ts"
import type { StreamOptions } from "../src/programs/stream.ts"
import { record, users } from "./dataset.ts"

const [countArg = "100000", concurrencyArg = "64", tracing = "off"] = process.argv.slice(2)
const log = new KafkaMemoryLog(6)
log.append("users_created", users("micro", Number(countArg)).map(record))
const table = new Map<string, MemoryRow>()
const layers = Layer.mergeAll(
  KafkaConsumerMemory.layer(log, { topic: "users_created", group: "micro", endWhenCaughtUp: true, maxBatch: 500 }),
  KafkaProducerMemory.layer(log),
  CassandraRepoMemory.layer(table)
).pipe(Layer.provideMerge(Layer.succeed(References.TracerEnabled, tracing === "on")))
const options: StreamOptions = {
  deadLetterTopic: "users_created.dlq",
  concurrency: Number(concurrencyArg),
  retry: { base: "100 millis", cap: "1 second", maxRetries: undefined },
  progressEvery: "1 hour"
}
const started = performance.now()
await Effect.runPromise(stream(options).pipe(Effect.provide(layers)))
const seconds = (performance.now() - started) / 1000
console.log(JSON.stringify({ messages: table.size, seconds, perMessageMicros: (seconds * 1e6) / table.size }))
