import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FakeHttpUsers } from "../../dev/fake-api/FakeHttpUsers.ts"
import { expectedUsers } from "../../dev/fake-api/RandomUserGenerator.ts"
import { eventually, runCli, startCli } from "../../dev/cli.ts"
import { findTraces, getTrace, spansOf } from "../support/jaeger.ts"
import { freshEnv, sendPlain } from "../../dev/kafka.ts"
import { counter } from "../../dev/prometheus.ts"
import { stack } from "../../dev/stack.ts"
import { seedDagMessage } from "../support/users.ts"

const traced = (env: Record<string, string>): Record<string, string> => ({ ...env, OTEL_SDK_DISABLED: "false" })

const http = (url: string) =>
  Effect.promise(() => fetch(url).then(async (r) => ({ status: r.status, body: await r.text() })).catch(() => ({ status: 0, body: "" })))

layer(FakeHttpUsers.layer(), { timeout: "10 minutes", excludeTestServices: true })("observability on the real stack", (it) => {
  it.effect("one user's create, process and write form one trace across both services in Jaeger, linked to the run's fetch and send", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const env = traced(freshEnv({ USERS_API_URL: api.url }))
      const seed = `trace-${Date.now()}`
      const user = expectedUsers({ seed, page: 1, results: 100 })[42]!
      yield* runCli(["ingest", "--count", "100", "--seed", seed], env)
      const stream = yield* startCli(["stream"], env)
      yield* eventually(
        "the user's trace in Jaeger with the stream's spans",
        Effect.map(findTraces("users-stream", { "user.id": user.id }), (traces) =>
          traces.length === 1 && spansOf(traces[0]!).some((s) => s.operation === "CassandraRepo.upsert")),
        "2 minutes"
      )
      const [trace] = yield* findTraces("users-stream", { "user.id": user.id })
      const spans = spansOf(trace!)
      const of = (service: string, operation: string) =>
        spans.filter((s) => s.service === service && s.operation === operation)
      const create = of("users-ingest", `create ${env.KAFKA_TOPIC}`).find((s) => s.tags["user.id"] === user.id)!
      assert.strictEqual(create.tags["messaging.destination.name"], env.KAFKA_TOPIC)
      const run = spansOf((yield* getTrace(create.links[0]!.traceID))!)
      const fetch = run.find((s) => s.operation === "HttpUsers.fetchPage")!
      assert.strictEqual(fetch.tags["http.response.status_code"], 200)
      assert.isDefined(run.find((s) => s.operation === `send ${env.KAFKA_TOPIC}`))
      const process = of("users-stream", `process ${env.KAFKA_TOPIC}`).find((s) => s.tags["user.id"] === user.id)!
      assert.strictEqual(process.parentId, create.spanId)
      assert.strictEqual(process.tags["messaging.destination.name"], env.KAFKA_TOPIC)
      const write = of("users-stream", "CassandraRepo.upsert").find((s) => s.parentId === process.spanId)!
      assert.strictEqual(write.tags["db.system"], "cassandra")
      assert.strictEqual(write.tags["user.id"], user.id)
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
    }).pipe(Effect.scoped), { timeout: 300_000 })

  it.effect("a message without trace headers (the seed's format) still gets a root trace in users-stream", () =>
    Effect.gen(function*() {
      const env = traced(freshEnv({ KAFKA_TOPIC_PARTITIONS: "1" }))
      const id = crypto.randomUUID()
      const stream = yield* startCli(["stream"], env)
      yield* eventually("the topic to exist", Effect.as(sendPlain(env.KAFKA_TOPIC!, []), true), "1 minute")
      yield* sendPlain(env.KAFKA_TOPIC!, [{
        value: JSON.stringify(seedDagMessage(id))
      }])
      yield* eventually(
        "its trace",
        Effect.map(findTraces("users-stream", { "user.id": id }), (t) => t.length === 1 && t[0]!.spans.length >= 2),
        "2 minutes"
      )
      const spans = spansOf((yield* findTraces("users-stream", { "user.id": id }))[0]!)
      const process = spans.find((s) => s.operation === `process ${env.KAFKA_TOPIC}`)!
      assert.isUndefined(process.parentId)
      assert.isTrue(spans.every((s) => s.service === "users-stream"))
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
    }).pipe(Effect.scoped), { timeout: 300_000 })

  it.effect("/readyz answers 503 while Cassandra is stopped and 200 once it is back; /metrics counters move", () =>
    Effect.gen(function*() {
      const api = yield* FakeHttpUsers
      const port = "19464"
      const env = freshEnv({ USERS_API_URL: api.url, STREAM_HTTP_PORT: port })
      const base = `http://127.0.0.1:${port}`
      const stream = yield* startCli(["stream"], env)
      yield* eventually("ready", Effect.map(http(`${base}/readyz`), (r) => r.status === 200), "2 minutes")
      assert.strictEqual((yield* http(`${base}/healthz`)).status, 200)
      const before = counter((yield* http(`${base}/metrics`)).body, "users_written")
      yield* runCli(["ingest", "--count", "500", "--seed", `metrics-${Date.now()}`], env)
      yield* eventually("users_written to move by 500", Effect.map(http(`${base}/metrics`), (r) => counter(r.body, "users_written") >= before + 500))
      assert.match((yield* http(`${base}/metrics`)).body, /cassandra_write_duration_ms_bucket/)

      yield* stack("stop", "cassandra")
      yield* eventually("not ready while Cassandra is down", Effect.map(http(`${base}/readyz`), (r) => r.status === 503), "30 seconds")
      const down = yield* http(`${base}/readyz`)
      assert.strictEqual(down.status, 503, down.body)
      assert.include(down.body, "\"cassandra_session\":false")
      yield* stack("start", "cassandra")
      yield* eventually("ready again", Effect.map(http(`${base}/readyz`), (r) => r.status === 200), "2 minutes")
      yield* stream.signal("SIGTERM")
      assert.strictEqual(yield* stream.exit, 0)
    }).pipe(Effect.ensuring(Effect.exit(stack("start", "cassandra"))), Effect.scoped), { timeout: 300_000 })
})
