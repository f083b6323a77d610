import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as CassandraRepoMemory from "../../src/layers/CassandraRepoMemory.ts"
import type { MemoryRow } from "../../src/layers/CassandraRepoMemory.ts"
import * as HttpUsersMemory from "../../src/layers/HttpUsersMemory.ts"
import * as KafkaConsumerMemory from "../../src/layers/KafkaConsumerMemory.ts"
import { KafkaMemoryLog } from "../../src/layers/KafkaMemoryLog.ts"
import * as KafkaProducerMemory from "../../src/layers/KafkaProducerMemory.ts"
import { ingest } from "../../src/programs/ingest.ts"
import { stream } from "../../src/programs/stream.ts"
import { ingestOptions, streamOptions } from "../support/pipeline.ts"
import { page } from "../support/users.ts"

const topic = "users_created"

/** Ingests three users and streams them back, plus one message in the seed's format; returns every finished span. */
const tracedPipeline = Effect.suspend(() => {
  const exporter = new InMemorySpanExporter()
  const tracing = NodeSdk.layer(() => ({ resource: { serviceName: "test" }, spanProcessor: new SimpleSpanProcessor(exporter) }))
  return pipeline(exporter).pipe(Effect.provide(tracing))
})

const pipeline = (exporter: InMemorySpanExporter) => Effect.gen(function*() {
  const log = new KafkaMemoryLog(2)
  const api = HttpUsersMemory.layer((request) => Effect.succeed(page(0, request.results)))
  yield* ingest(ingestOptions({ count: 3 })).pipe(
    Effect.provide(Layer.merge(api, KafkaProducerMemory.layer(log)))
  )
  log.append(topic, [{ key: null, value: JSON.stringify({ ...JSON.parse(new TextDecoder().decode(log.records(topic)[0]!.value!)), id: "0b9e3c1e-7d4f-4a55-9a43-5f7c2d1e8b90" }), headers: {} }])
  const consumer = KafkaConsumerMemory.layer(log, { topic, group: "g", endWhenCaughtUp: true })
  const layers = Layer.mergeAll(consumer, KafkaProducerMemory.layer(log), CassandraRepoMemory.layer(new Map<string, MemoryRow>()))
  yield* stream(streamOptions()).pipe(Effect.provide(layers))
  return exporter.getFinishedSpans()
})

const named = (spans: ReadonlyArray<ReadableSpan>, name: string) => spans.filter((s) => s.name === name)
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId

describe("tracing", () => {
  it.effect("ingest: a run is a root span; each request fetches, then creates one span per user and sends them as a linked batch", () =>
    Effect.gen(function*() {
      const spans = yield* tracedPipeline
      const [run] = named(spans, "ingest.run")
      assert.isDefined(run)
      assert.isUndefined(parentId(run!))
      const [request] = named(spans, "ingest.request")
      assert.strictEqual(parentId(request!), run!.spanContext().spanId)
      const [fetch] = named(spans, "HttpUsers.fetchPage")
      assert.strictEqual(parentId(fetch!), request!.spanContext().spanId)
      const creates = named(spans, `create ${topic}`)
      assert.strictEqual(creates.length, 3)
      assert.isTrue(creates.every((s) => parentId(s) === request!.spanContext().spanId))
      const [send] = named(spans, `send ${topic}`)
      assert.strictEqual(parentId(send!), request!.spanContext().spanId)
      assert.deepStrictEqual(
        send!.links.map((l) => l.context.spanId).sort(),
        creates.map((s) => s.spanContext().spanId).sort()
      )
    }))

  it.effect("stream: each message's processing continues its producer's trace, and the write is its child", () =>
    Effect.gen(function*() {
      const spans = yield* tracedPipeline
      const creates = named(spans, `create ${topic}`)
      const processes = named(spans, `process ${topic}`)
      assert.strictEqual(processes.length, 4)
      for (const create of creates) {
        const userId = create.attributes["user.id"]
        const process = processes.find((p) => p.attributes["user.id"] === userId)!
        assert.strictEqual(process.spanContext().traceId, create.spanContext().traceId)
        assert.strictEqual(parentId(process), create.spanContext().spanId)
        const writes = named(spans, "CassandraRepo.upsert").filter((w) => parentId(w) === process.spanContext().spanId)
        assert.strictEqual(writes.length, 1)
      }
    }))

  it.effect("stream: a message sent without trace headers (the seed's format) gets a root span of its own", () =>
    Effect.gen(function*() {
      const spans = yield* tracedPipeline
      const process = named(spans, `process ${topic}`).find((p) => p.attributes["user.id"] === "0b9e3c1e-7d4f-4a55-9a43-5f7c2d1e8b90")!
      assert.isUndefined(parentId(process))
      const traceIds = new Set(named(spans, `create ${topic}`).map((s) => s.spanContext().traceId))
      assert.isFalse(traceIds.has(process.spanContext().traceId))
    }))
})
