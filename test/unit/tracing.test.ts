import { AlwaysOnSampler, InMemorySpanExporter, ParentBasedSampler, SamplingDecision, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import type { ReadableSpan, Sampler } from "@opentelemetry/sdk-trace-base"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { transformPage } from "../../src/domain/Transform.ts"
import * as CassandraRepoMemory from "../../src/layers/CassandraRepoMemory.ts"
import type { CassandraRepoMemoryOptions, MemoryRow } from "../../src/layers/CassandraRepoMemory.ts"
import * as HttpUsersMemory from "../../src/layers/HttpUsersMemory.ts"
import * as KafkaConsumerMemory from "../../src/layers/KafkaConsumerMemory.ts"
import { KafkaMemoryLog } from "../../src/layers/KafkaMemoryLog.ts"
import * as KafkaProducerMemory from "../../src/layers/KafkaProducerMemory.ts"
import { maxSendLinks } from "../../src/layers/KafkaTracing.ts"
import { layerWithProcessor } from "../../src/layers/TelemetrySdk.ts"
import { ingest } from "../../src/programs/ingest.ts"
import { stream } from "../../src/programs/stream.ts"
import { CassandraRejected, CassandraUnavailable } from "../../src/services/CassandraRepo.ts"
import type { ProducerRecord } from "../../src/services/KafkaProducer.ts"
import { ingestOptions, streamOptions } from "../support/pipeline.ts"
import { page, seedDagMessage } from "../support/users.ts"

const topic = "users_created"
const seedFormatId = "0b9e3c1e-7d4f-4a55-9a43-5f7c2d1e8b90"

/** Samples every other new trace (the first one included), children as their parent: a deterministic 50 %. */
const everyOther = (): Sampler => new ParentBasedSampler({ root: everyOtherRoot() })

const everyOtherRoot = (): Sampler => {
  let roots = 0
  return {
    shouldSample: (context, traceId) => {
      void context
      void traceId
      return { decision: roots++ % 2 === 0 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD }
    },
    toString: () => "every other root"
  }
}

interface PipelineOptions {
  readonly users?: number
  readonly sampler?: Sampler
  /** The in-memory table's behaviour (rejections). */
  readonly repo?: CassandraRepoMemoryOptions
  /** Records appended to the topic after the ingest, before the stream runs. */
  readonly extra?: ReadonlyArray<ProducerRecord>
}

/** Ingests users and streams them back (plus any extra records) under the CLI's tracer; returns every finished span. */
const tracedPipeline = (options: PipelineOptions = {}) => Effect.suspend(() => {
  const exporter = new InMemorySpanExporter()
  const tracing = layerWithProcessor(new SimpleSpanProcessor(exporter), options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() }))
  return Effect.gen(function*() {
    const users = options.users ?? 3
    const log = new KafkaMemoryLog(2)
    const api = HttpUsersMemory.layer((request) => Effect.succeed(page(0, request.results)))
    yield* ingest(ingestOptions({ count: users, resultsPerRequest: users })).pipe(
      Effect.provide(Layer.merge(api, KafkaProducerMemory.layer(log)))
    )
    if (options.extra !== undefined) log.append(topic, options.extra)
    const consumer = KafkaConsumerMemory.layer(log, { topic, group: "g", endWhenCaughtUp: true })
    const layers = Layer.mergeAll(consumer, KafkaProducerMemory.layer(log), CassandraRepoMemory.layer(new Map<string, MemoryRow>(), options.repo))
    yield* stream(streamOptions()).pipe(Effect.provide(layers))
    return { spans: exporter.getFinishedSpans(), log }
  }).pipe(Effect.provide(tracing))
})

const named = (spans: ReadonlyArray<ReadableSpan>, name: string) => spans.filter((s) => s.name === name)
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId
const traceOf = (span: ReadableSpan) => span.spanContext().traceId
const idOf = (span: ReadableSpan) => span.spanContext().spanId
const inTrace = (spans: ReadableSpan[], traceId: string) => spans.filter((s) => traceOf(s) === traceId)

const seedFormatRecord: ProducerRecord = { key: null, value: JSON.stringify(seedDagMessage(seedFormatId)), headers: {} }

describe("tracing", () => {
  it.effect("ingest: the run's trace is run → request → fetch and send, and holds no per-user span", () =>
    Effect.gen(function*() {
      const { spans } = yield* tracedPipeline()
      const [run] = named(spans, "ingest.run")
      assert.isUndefined(parentId(run!))
      const [request] = named(spans, "ingest.request")
      assert.strictEqual(parentId(request!), idOf(run!))
      const [fetch] = named(spans, "HttpUsers.fetchPage")
      assert.strictEqual(parentId(fetch!), idOf(request!))
      const [send] = named(spans, `send ${topic}`)
      assert.strictEqual(parentId(send!), idOf(request!))
      assert.deepStrictEqual(inTrace(spans, traceOf(run!)).map((s) => s.name).sort(), [
        "HttpUsers.fetchPage",
        "ingest.request",
        "ingest.run",
        `send ${topic}`
      ])
    }))

  it.effect("ingest: each user's create span starts a trace of its own, linked to the request that fetched it; send links to the creates", () =>
    Effect.gen(function*() {
      const { spans } = yield* tracedPipeline()
      const [request] = named(spans, "ingest.request")
      const creates = named(spans, `create ${topic}`)
      assert.strictEqual(creates.length, 3)
      assert.strictEqual(new Set(creates.map(traceOf)).size, 3)
      for (const create of creates) {
        assert.isUndefined(parentId(create))
        assert.notStrictEqual(traceOf(create), traceOf(request!))
        assert.deepStrictEqual(create.links.map((l) => [l.context.traceId, l.context.spanId]), [[traceOf(request!), idOf(request!)]])
      }
      const [send] = named(spans, `send ${topic}`)
      assert.deepStrictEqual(send!.links.map((l) => l.context.spanId).sort(), creates.map(idOf).sort())
    }))

  it.effect(`ingest: a send links to at most ${maxSendLinks} creates`, () =>
    Effect.gen(function*() {
      const { spans } = yield* tracedPipeline({ users: maxSendLinks + 20 })
      assert.strictEqual(named(spans, `create ${topic}`).length, maxSendLinks + 20)
      assert.strictEqual(named(spans, `send ${topic}`)[0]!.links.length, maxSendLinks)
    }))

  it.effect("stream: a user's trace is exactly its create, process and write, the process a child of the create, the write of the process", () =>
    Effect.gen(function*() {
      const { spans } = yield* tracedPipeline()
      for (const create of named(spans, `create ${topic}`)) {
        const trace = inTrace(spans, traceOf(create))
        assert.deepStrictEqual(trace.map((s) => s.name).sort(), ["CassandraRepo.upsert", `create ${topic}`, `process ${topic}`])
        const process = trace.find((s) => s.name === `process ${topic}`)!
        assert.strictEqual(parentId(process), idOf(create))
        assert.strictEqual(process.attributes["user.id"], create.attributes["user.id"])
        assert.strictEqual(parentId(trace.find((s) => s.name === "CassandraRepo.upsert")!), idOf(process))
      }
    }))

  it.effect("sampling is decided once per user: a sampled user's trace is complete, an unsampled one leaves no span in either program", () =>
    Effect.gen(function*() {
      const { log, spans } = yield* tracedPipeline({ users: 6, sampler: everyOther() })
      const creates = named(spans, `create ${topic}`)
      assert.strictEqual(creates.length, 3)
      assert.strictEqual(named(spans, `process ${topic}`).length, 3)
      assert.strictEqual(named(spans, "CassandraRepo.upsert").length, 3)
      for (const create of creates) assert.strictEqual(inTrace(spans, traceOf(create)).length, 3)
      const flags = log.records(topic).map((r) => r.headers["traceparent"]!.slice(-2)).sort()
      assert.deepStrictEqual(flags, ["00", "00", "00", "01", "01", "01"])
    }))

  it.effect("an unsampled message makes no span in the stream, not even when its write is retried or its row dead-lettered", () =>
    Effect.gen(function*() {
      // Sampled by their producer's decision: unsampled, though the stream's sampler would sample a new root.
      const unsampled = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00" }
      const [retried, rejected] = [crypto.randomUUID(), crypto.randomUUID()]
      let failures = 0
      const run = yield* tracedPipeline({
        extra: [retried, rejected].map((id) => ({ key: null, value: JSON.stringify(seedDagMessage(id)), headers: unsampled }))
          .concat([{ key: null, value: "not json", headers: unsampled }]),
        repo: {
          beforeUpsert: (user) =>
            user.id === rejected
              ? Effect.fail(new CassandraRejected({ context: "Rejected an oversized mutation", affects: "row" }))
              : user.id === retried && failures++ === 0
              ? Effect.fail(new CassandraUnavailable({ context: "write timeout" }))
              : Effect.void
        }
      }).pipe(Effect.forkChild)
      yield* TestClock.adjust("1 minute")
      const { log, spans } = yield* Fiber.join(run)
      assert.strictEqual(failures, 2, "the retried row failed once, then was written")
      assert.strictEqual(log.records(`${topic}.dlq`).length, 2, "the rejected row and the poison message")
      const traced = new Set(named(spans, `create ${topic}`).map(traceOf))
      assert.strictEqual(traced.size, 3, "the ingested users are traced")
      const ofStream = spans.filter((s) => [`process ${topic}`, "CassandraRepo.upsert", `send ${topic}.dlq`].includes(s.name))
      assert.deepStrictEqual(ofStream.filter((s) => !traced.has(traceOf(s))).map((s) => s.name), [], "spans outside the sampled users' traces")
      assert.strictEqual(ofStream.length, 6, "each sampled user's process and write")
    }))

  it.effect("stream: a message sent without trace headers (the seed's format) gets a root span of its own", () =>
    Effect.gen(function*() {
      const { spans } = yield* tracedPipeline({ extra: [seedFormatRecord] })
      const process = named(spans, `process ${topic}`).find((p) => p.attributes["user.id"] === seedFormatId)!
      assert.isUndefined(parentId(process))
      const traceIds = new Set(named(spans, `create ${topic}`).map(traceOf))
      assert.isFalse(traceIds.has(traceOf(process)))
    }))

  it.effect("stream: a dead-lettered message's process span records the error, and the dead-letter send is its child", () =>
    Effect.gen(function*() {
      const { spans } = yield* tracedPipeline({ extra: [{ key: null, value: "not json", headers: {} }] })
      const [dlq] = named(spans, `send ${topic}.dlq`)
      assert.isDefined(dlq)
      const process = spans.find((s) => idOf(s) === parentId(dlq!))!
      assert.strictEqual(process.name, `process ${topic}`)
      assert.strictEqual(process.status.code, 2)
      assert.strictEqual(process.attributes["error.type"], "NotJson")
      assert.isTrue(process.events.some((e) => e.name === "exception"))
    }))

  it.effect("stream: a row Cassandra rejects is dead-lettered inside the user's trace: the process span says why, the DLQ send is its child", () =>
    Effect.gen(function*() {
      const rejected = transformPage(page(0, 3).results, "").users[1]!.id
      const { spans } = yield* tracedPipeline({
        repo: {
          beforeUpsert: (user) =>
            user.id === rejected ? Effect.fail(new CassandraRejected({ context: "Rejected an oversized mutation", affects: "row" })) : Effect.void
        }
      })
      const create = named(spans, `create ${topic}`).find((s) => s.attributes["user.id"] === rejected)!
      const trace = inTrace(spans, traceOf(create))
      assert.deepStrictEqual(trace.map((s) => s.name).sort(), ["CassandraRepo.upsert", `create ${topic}`, `process ${topic}`, `send ${topic}.dlq`])
      const process = trace.find((s) => s.name === `process ${topic}`)!
      assert.strictEqual(process.attributes["error.type"], "CassandraRejected")
      assert.strictEqual(parentId(trace.find((s) => s.name === `send ${topic}.dlq`)!), idOf(process))
    }))
})
