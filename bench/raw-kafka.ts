// Ceiling for `ingest`: a plain kafkajs producer (idempotent, acks = all, same compression) sending the
// same records in the same batches (one send per 5000-user page, `concurrency` sends in flight).
// Prints one JSON line. Also the backlog loader of the stream benchmark: with a sampling ratio as sixth argument, every
// record carries the `traceparent` ingest would give it with `parentbased_traceidratio` at that ratio.
import "../src/DropTimeoutNegativeWarning.ts"
import { Kafka, logLevel } from "kafkajs"
import { compressionTypes, registerCodecs } from "../src/layers/KafkaCodecs.ts"
import type { Compression } from "../src/layers/KafkaCodecs.ts"
import { ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base"
import { record, tracedRecord, users } from "./dataset.ts"

const [topic = "bench", seed = "bench", countArg = "200000", concurrencyArg = "4", compression = "zstd", traceRatio = "none"] =
  process.argv.slice(2)
const kafka = new Kafka({ clientId: "bench-raw", brokers: (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(","), logLevel: logLevel.NOTHING })
const pages: Array<Array<ReturnType<typeof record>>> = []
const toRecord = traceRatio === "none" ? record : tracedRecord(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Number(traceRatio)) }))
const all = users(seed, Number(countArg)).map(toRecord)
for (let i = 0; i < all.length; i += 5000) pages.push(all.slice(i, i + 5000))
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 })
await producer.connect()
registerCodecs()
const codec = compressionTypes[compression as Compression]

let next = 0
const started = performance.now()
await Promise.all(Array.from({ length: Number(concurrencyArg) }, async () => {
  while (next < pages.length) {
    await producer.send({ topic, messages: pages[next++]!, acks: -1, compression: codec })
  }
}))
const seconds = (performance.now() - started) / 1000
await producer.disconnect()
console.log(JSON.stringify({ users: all.length, seconds, usersPerSec: all.length / seconds }))
