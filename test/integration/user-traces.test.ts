import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { expectedUsers } from "../../dev/fake-api/RandomUserGenerator.ts"
import { eventually, runCli, startCli } from "../../dev/cli.ts"
import { findTraces, getTrace, spansOf } from "../support/jaeger.ts"
import type { Trace } from "../support/jaeger.ts"
import { drained, freshEnv } from "../../dev/kafka.ts"

const users = 5000
const traced = (env: Record<string, string>): Record<string, string> => ({ ...env, OTEL_SDK_DISABLED: "false" })

/** Ingests `users` users in one request and streams them until the group has committed everything; the stream exits 0. */
const ingestAndStream = (env: Record<string, string>, seed: string) =>
  Effect.scoped(Effect.gen(function*() {
    yield* runCli(["ingest", "--count", String(users), "--seed", seed], env)
    const stream = yield* startCli(["stream"], env)
    yield* eventually("the stream to commit every message", drained(env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!), "3 minutes")
    yield* stream.signal("SIGTERM")
    assert.strictEqual(yield* stream.exit, 0, stream.output())
  }))

/** What a user's journey is made of, as `service operation`. */
const journey = (topic: string) =>
  [`users-ingest create ${topic}`, `users-stream CassandraRepo.upsert`, `users-stream process ${topic}`]

const shape = (trace: Trace) => spansOf(trace).map((s) => `${s.service} ${s.operation}`).sort()

/** Runs `trace …` and returns its exit code and output. */
const traceCli = (args: ReadonlyArray<string>) =>
  Effect.scoped(Effect.gen(function*() {
    const cli = yield* startCli(["trace", ...args], {})
    const code = yield* cli.exit
    return { code, output: cli.output() }
  }))

layer(FakeHttpUsers.layer(), { timeout: "15 minutes", excludeTestServices: true })("one trace per user, in the real Jaeger", (it) => {
  it.effect("after a 5,000-user ingest and stream, a user's trace is its create, process and write across both services, linked to its request; `trace` prints it", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = traced(freshEnv({ USERS_API_URL: api.url }))
      const topic = env.KAFKA_TOPIC!
      const seed = `user-traces-${Date.now()}`
      const user = expectedUsers({ seed, page: 1, results: users })[4321]!
      yield* ingestAndStream(env, seed)
      yield* eventually(
        "the user's whole journey in Jaeger",
        Effect.map(findTraces("users-ingest", { "user.id": user.id }), (t) => t.length === 1 && t[0]!.spans.length === 3),
        "1 minute"
      )
      const [trace] = yield* findTraces("users-ingest", { "user.id": user.id })
      assert.deepStrictEqual(shape(trace!), journey(topic))
      const spans = spansOf(trace!)
      const create = spans.find((s) => s.operation === `create ${topic}`)!
      const process = spans.find((s) => s.operation === `process ${topic}`)!
      const write = spans.find((s) => s.operation === "CassandraRepo.upsert")!
      assert.isUndefined(create.parentId)
      assert.strictEqual(process.parentId, create.spanId)
      assert.strictEqual(write.parentId, process.spanId)
      assert.strictEqual(process.tags["user.id"], user.id)

      assert.strictEqual(create.links.length, 1)
      const run = yield* getTrace(create.links[0]!.traceID)
      assert.isDefined(run, "the run's trace is in Jaeger")
      const runSpans = spansOf(run!)
      assert.strictEqual(runSpans.find((s) => s.spanId === create.links[0]!.spanID)?.operation, "ingest.request")
      const runOperations = new Set(runSpans.map((s) => s.operation))
      for (const operation of ["ingest.run", "ingest.request", "HttpUsers.fetchPage", `send ${topic}`]) {
        assert.isTrue(runOperations.has(operation), `the run's trace has ${operation}`)
      }
      for (const perUser of [`create ${topic}`, `process ${topic}`, "CassandraRepo.upsert"]) {
        assert.isFalse(runOperations.has(perUser), `no ${perUser} span in the run's trace`)
      }
      assert.isBelow(runSpans.length, 10)

      const found = yield* traceCli([user.id])
      assert.strictEqual(found.code, 0, found.output)
      assert.include(found.output, `trace ${trace!.traceID}: 3 spans from users-ingest, users-stream`)
      assert.match(found.output, new RegExp(`users-ingest  create ${topic} .*user=${user.id}`))
      assert.match(found.output, /users-stream {2}process .* partition=\d+ offset=\d+/)
      assert.match(found.output, /users-stream {2}CassandraRepo\.upsert .* statement="INSERT INTO/)
      assert.include(found.output, "↳ link: users-ingest ingest.request")
      const byId = yield* traceCli(["--trace-id", trace!.traceID])
      assert.strictEqual(byId.code, 0, byId.output)
      assert.include(byId.output, `trace ${trace!.traceID}: 3 spans`)
    }), { timeout: 600_000 })

  it.effect("`trace` of a user Jaeger has never seen is one line and a non-zero exit", () =>
    Effect.gen(function*() {
      const missing = yield* traceCli([crypto.randomUUID()])
      assert.notStrictEqual(missing.code, 0)
      assert.strictEqual(missing.output.trim().split("\n").length, 1, missing.output)
      assert.match(missing.output, /^error: TraceNotFound: no trace of user /)
      const unknownId = yield* traceCli(["--trace-id", "0123456789abcdef0123456789abcdef"])
      assert.notStrictEqual(unknownId.code, 0)
      assert.strictEqual(unknownId.output.trim().split("\n").length, 1, unknownId.output)
    }))

  it.effect("with parentbased_traceidratio at 0.1, 5–15 % of users have a trace, and each is complete end to end", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = traced(freshEnv({ USERS_API_URL: api.url, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" }))
      const topic = env.KAFKA_TOPIC!
      yield* ingestAndStream(env, `sampled-${Date.now()}`)
      const byTopic = (service: string) => findTraces(service, { "messaging.destination.name": topic }, users)
      const userTraces = (traces: ReadonlyArray<Trace>) => traces.filter((t) => t.spans.some((s) => s.operationName === `create ${topic}`))
      yield* eventually(
        "every sampled user's trace complete in Jaeger",
        Effect.map(byTopic("users-ingest"), (traces) => {
          const mine = userTraces(traces)
          return mine.length > 0 && mine.every((t) => t.spans.length === 3)
        }),
        "1 minute"
      )
      const sampled = userTraces(yield* byTopic("users-ingest"))
      assert.isAtLeast(sampled.length, users * 0.05)
      assert.isAtMost(sampled.length, users * 0.15)
      for (const trace of sampled) assert.deepStrictEqual(shape(trace), journey(topic))
      const streamTraceIds = (yield* byTopic("users-stream")).map((t) => t.traceID).sort()
      assert.deepStrictEqual(streamTraceIds, sampled.map((t) => t.traceID).sort(), "the stream traced exactly the sampled users")
    }), { timeout: 600_000 })
})
