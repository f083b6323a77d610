import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { DeadLetterHeader } from "../../src/domain/DeadLetter.ts"
import { transformPage } from "../../src/domain/Transform.ts"
import type { User } from "../../src/domain/User.ts"
import * as CassandraRepoMemory from "../../src/layers/CassandraRepoMemory.ts"
import type { CassandraRepoMemoryOptions, MemoryRow } from "../../src/layers/CassandraRepoMemory.ts"
import * as KafkaConsumerMemory from "../../src/layers/KafkaConsumerMemory.ts"
import { KafkaMemoryLog } from "../../src/layers/KafkaMemoryLog.ts"
import * as KafkaProducerMemory from "../../src/layers/KafkaProducerMemory.ts"
import { stream } from "../../src/programs/stream.ts"
import { CassandraRejected, CassandraUnavailable } from "../../src/services/CassandraRepo.ts"
import { KafkaConsumer } from "../../src/services/KafkaConsumer.ts"
import { streamOptions } from "../support/pipeline.ts"
import { page } from "../support/users.ts"

const topic = "users_created"

/** Lets a forked program's fibers run (scheduler turns, no clock time) until `count` stops changing. */
const settle = (count: () => number) =>
  Effect.gen(function*() {
    for (let turns = 0, last = -1; turns < 50 && count() !== last; turns++) {
      last = count()
      for (let i = 0; i < 10; i++) yield* Effect.yieldNow
    }
  })
const group = "users-stream"

const users = (n: number): ReadonlyArray<User> => transformPage(page(0, n).results, "").users

const publish = (log: KafkaMemoryLog, records: ReadonlyArray<User>) =>
  log.append(topic, records.map((user) => ({ key: user.id, value: JSON.stringify(user), headers: {} })))

/** The stream's layers on a shared in-memory log and table; `pulled` counts what the program took from the consumer. */
const harness = (options: { endWhenCaughtUp?: boolean; repo?: CassandraRepoMemoryOptions } = {}) => {
  const log = new KafkaMemoryLog(3)
  const table = new Map<string, MemoryRow>()
  const counters = { pulled: 0 }
  const consumer = Layer.effect(
    KafkaConsumer,
    Effect.gen(function*() {
      const inner = yield* KafkaConsumer
      return KafkaConsumer.of({
        ...inner,
        batches: inner.batches.pipe(Stream.tap((batch) => Effect.sync(() => (counters.pulled += batch.messages.length))))
      })
    })
  ).pipe(Layer.provide(KafkaConsumerMemory.layer(log, { topic, group, endWhenCaughtUp: options.endWhenCaughtUp ?? true })))
  const layer = Layer.mergeAll(consumer, KafkaProducerMemory.layer(log), CassandraRepoMemory.layer(table, options.repo))
  const committed = (partition: number) => log.committed(group, topic, partition) ?? 0
  const partitionOf = (id: string) => log.records(topic).find((r) => new TextDecoder().decode(r.key!) === id)!
  return { log, table, counters, layer, committed, partitionOf }
}

describe("stream", () => {
  it.effect("writes every valid message once and commits every partition to its end", () =>
    Effect.gen(function*() {
      const h = harness()
      publish(h.log, users(50))
      yield* stream(streamOptions()).pipe(Effect.provide(h.layer))
      assert.strictEqual(h.table.size, 50)
      assert.isTrue([...h.table.values()].every((row) => row.writes === 1))
      for (let p = 0; p < 3; p++) assert.strictEqual(h.committed(p), h.log.topic(topic)[p]!.length)
    }))

  it.effect("dead-letters a message that is not JSON and one that breaks the schema, with reason headers, and commits past them", () =>
    Effect.gen(function*() {
      const h = harness()
      const good = users(4)
      publish(h.log, good.slice(0, 2))
      h.log.append(topic, [
        { key: "k1", value: "{not json", headers: { origin: "test" } },
        { key: "k2", value: JSON.stringify({ id: "not-a-uuid", first_name: 1 }), headers: {} }
      ])
      publish(h.log, good.slice(2))
      yield* stream(streamOptions()).pipe(Effect.provide(h.layer))
      assert.strictEqual(h.table.size, 4)
      const dlq = h.log.records("users_created.dlq")
      assert.deepStrictEqual(dlq.map((r) => r.headers[DeadLetterHeader.errorType]).sort(), ["NotJson", "SchemaMismatch"])
      const notJson = dlq.find((r) => r.headers[DeadLetterHeader.errorType] === "NotJson")!
      const source = h.log.records(topic).find((r) => new TextDecoder().decode(r.value!) === "{not json")!
      assert.strictEqual(new TextDecoder().decode(notJson.value!), "{not json")
      assert.strictEqual(new TextDecoder().decode(notJson.key!), "k1")
      assert.strictEqual(notJson.headers.origin, "test")
      assert.strictEqual(notJson.headers[DeadLetterHeader.sourceTopic], topic)
      assert.strictEqual(notJson.headers[DeadLetterHeader.sourcePartition], String(source.partition))
      assert.strictEqual(notJson.headers[DeadLetterHeader.sourceOffset], String(source.offset))
      assert.isTrue(notJson.headers[DeadLetterHeader.errorMessage]!.length > 0)
      for (let p = 0; p < 3; p++) assert.strictEqual(h.committed(p), h.log.topic(topic)[p]!.length)
    }))

  it.effect("dead-letters a user born on a day the calendar does not have as a schema mismatch", () =>
    Effect.gen(function*() {
      const h = harness()
      const [good, impossible] = users(2)
      publish(h.log, [good!, { ...impossible!, dob: "2020-02-30T00:00:00Z" }])
      yield* stream(streamOptions()).pipe(Effect.provide(h.layer))
      assert.deepStrictEqual([...h.table.keys()], [good!.id])
      const dlq = h.log.records("users_created.dlq")
      assert.deepStrictEqual(dlq.map((r) => r.headers[DeadLetterHeader.errorType]), ["SchemaMismatch"])
      assert.include(dlq[0]!.headers[DeadLetterHeader.errorMessage], "real calendar day")
    }))

  it.effect("accepts the seed DAG's messages: random uuid4 id, numeric post_code, no key, no headers", () =>
    Effect.gen(function*() {
      const h = harness()
      const seedUser = { ...users(1)[0]!, id: "0b9e3c1e-7d4f-4a55-9a43-5f7c2d1e8b90", post_code: 28013 }
      h.log.append(topic, [{ key: null, value: JSON.stringify(seedUser), headers: {} }])
      yield* stream(streamOptions()).pipe(Effect.provide(h.layer))
      assert.strictEqual(h.table.get(seedUser.id)?.user.post_code, "28013")
    }))

  it.effect("never commits an offset whose row failed, while later messages are written", () =>
    Effect.gen(function*() {
      const all = users(30)
      const poisoned = all[10]!
      const h = harness({
        endWhenCaughtUp: false,
        repo: {
          beforeUpsert: (user) =>
            user.id === poisoned.id ? Effect.fail(new CassandraUnavailable({ context: "write timeout" })) : Effect.void
        }
      })
      publish(h.log, all)
      const fiber = yield* stream(streamOptions()).pipe(Effect.provide(h.layer), Effect.forkChild)
      yield* TestClock.adjust("1 minute")
      const failed = h.partitionOf(poisoned.id)
      const later = h.log.topic(topic)[failed.partition]!.filter((r) => r.offset > failed.offset)
      assert.isAbove(later.length, 0)
      assert.strictEqual(h.table.size, 29)
      assert.isTrue(later.every((r) => h.table.has(new TextDecoder().decode(r.key!))))
      assert.strictEqual(h.committed(failed.partition), failed.offset)
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(h.committed(failed.partition), failed.offset)
    }))

  it.effect("dead-letters a row Cassandra rejects for its own values, as CassandraRejected with the source headers, and goes on", () =>
    Effect.gen(function*() {
      const all = users(20)
      const rejected = all[7]!
      const h = harness({
        repo: {
          beforeUpsert: (user) =>
            user.id === rejected.id
              ? Effect.fail(new CassandraRejected({ context: "Rejected an oversized mutation", affects: "row" }))
              : Effect.void
        }
      })
      publish(h.log, all)
      yield* stream(streamOptions()).pipe(Effect.provide(h.layer))
      assert.strictEqual(h.table.size, 19)
      const dlq = h.log.records("users_created.dlq")
      assert.strictEqual(dlq.length, 1)
      const source = h.partitionOf(rejected.id)
      assert.strictEqual(dlq[0]!.headers[DeadLetterHeader.errorType], "CassandraRejected")
      assert.strictEqual(dlq[0]!.headers[DeadLetterHeader.errorMessage], "Rejected an oversized mutation")
      assert.strictEqual(dlq[0]!.headers[DeadLetterHeader.sourceOffset], String(source.offset))
      assert.strictEqual(new TextDecoder().decode(dlq[0]!.key!), rejected.id)
      for (let p = 0; p < 3; p++) assert.strictEqual(h.committed(p), h.log.topic(topic)[p]!.length)
    }))

  it.effect("stops on a rejection that affects every row, committing nothing past it and dead-lettering nothing", () =>
    Effect.gen(function*() {
      const all = users(20)
      const first = all[5]!
      const h = harness({
        repo: {
          beforeUpsert: (user) =>
            user.id === first.id
              ? Effect.fail(new CassandraRejected({ context: "unconfigured table users", affects: "every-row" }))
              : Effect.void
        }
      })
      publish(h.log, all)
      const exit = yield* stream(streamOptions()).pipe(Effect.provide(h.layer), Effect.exit)
      assert.isTrue(exit._tag === "Failure")
      assert.strictEqual(h.log.records("users_created.dlq").length, 0)
      const failed = h.partitionOf(first.id)
      assert.isAtMost(h.committed(failed.partition), failed.offset)
    }))

  it.effect("keeps at most N writes in flight and pulls only a bounded number ahead of them", () =>
    Effect.gen(function*() {
      const concurrency = 4
      let inFlight = 0
      let maxInFlight = 0
      let maxAhead = 0
      let written = 0
      const h = harness({
        repo: {
          beforeUpsert: () =>
            Effect.gen(function*() {
              inFlight++
              maxInFlight = Math.max(maxInFlight, inFlight)
              yield* Effect.sleep("100 millis")
              inFlight--
              written++
            })
        }
      })
      const track = Effect.sync(() => (maxAhead = Math.max(maxAhead, h.counters.pulled - written)))
      publish(h.log, users(200))
      const fiber = yield* stream(streamOptions({ concurrency })).pipe(Effect.provide(h.layer), Effect.forkChild)
      for (let i = 0; i < 60; i++) {
        yield* TestClock.adjust("100 millis")
        yield* track
      }
      yield* Fiber.join(fiber)
      assert.strictEqual(h.table.size, 200)
      assert.strictEqual(maxInFlight, concurrency)
      assert.isAtMost(maxAhead, concurrency * 2 + 16, `pulled ahead: ${maxAhead}`)
    }))

  it.effect("on interruption finishes the in-flight writes, commits them and stops pulling", () =>
    Effect.gen(function*() {
      let started = 0
      const h = harness({
        endWhenCaughtUp: false,
        repo: { beforeUpsert: () => Effect.sync(() => started++).pipe(Effect.andThen(Effect.sleep("1 second"))) }
      })
      publish(h.log, users(40))
      const fiber = yield* stream(streamOptions({ concurrency: 4 })).pipe(Effect.provide(h.layer), Effect.forkChild)
      yield* settle(() => started)
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(started, 4)
      assert.strictEqual(h.table.size, 0)
      const interrupting = yield* Effect.forkChild(Fiber.interrupt(fiber))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(interrupting)
      assert.strictEqual(started, 4, "no write starts after the interrupt")
      assert.strictEqual(h.table.size, 4, "in-flight writes finished")
      const committedTotal = [0, 1, 2].reduce((sum, p) => sum + h.committed(p), 0)
      assert.strictEqual(committedTotal, 4, "and were committed on shutdown")
      for (const row of h.table.values()) {
        const record = h.partitionOf(row.user.id)
        assert.isBelow(record.offset, h.committed(record.partition))
      }
    }))
})
