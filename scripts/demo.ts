// npm run demo: the whole pipeline once, on the local stack. Starts the stack if needed, ingests users
// (from randomuser.me when reachable, otherwise from the bundled compatible server), streams them into
// Cassandra until every one is handled, then prints a summary, one user's trace id and that trace as the `trace` command shows it.
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Option } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { eventually, runCli, startCli } from "../dev/cli.ts"
import { FakeHttpUsers } from "../dev/fake-api/FakeHttpUsers.ts"
import { counter } from "../dev/prometheus.ts"
import { stackUp } from "../dev/stack.ts"
import { JaegerTraces, tagsOf } from "../src/domain/JaegerTrace.ts"

const count = Number(process.env["DEMO_COUNT"] ?? 5000)
const statusPort = "9464"
const jaeger = "http://127.0.0.1:16686"

const randomUserReachable = HttpClient.get("https://randomuser.me/api/1.4/?results=1").pipe(
  Effect.flatMap(HttpClientResponse.filterStatusOk),
  Effect.timeout("3 seconds"),
  Effect.as(true),
  Effect.orElseSucceed(() => false)
)

const handled = HttpClient.get(`http://127.0.0.1:${statusPort}/metrics`).pipe(
  Effect.flatMap((response) => response.text),
  Effect.map((metrics) => ({ written: counter(metrics, "users_written"), deadLettered: counter(metrics, "users_dead_lettered") }))
)

/** A user of this run whose whole journey (create, process, write) is in Jaeger: its id and trace id. */
const userTrace = (sinceMillis: number) =>
  HttpClient.get(`${jaeger}/api/traces`, {
    urlParams: { service: "users-ingest", operation: "create users_created", start: String(sinceMillis * 1000), limit: "20" }
  }).pipe(
    Effect.flatMap(HttpClientResponse.schemaBodyJson(JaegerTraces)),
    Effect.map(({ data }) => {
      const trace = data?.find((t) => t.spans.length >= 3)
      const userId = trace?.spans.map(tagsOf).find((tags) => tags["user.id"] !== undefined)?.["user.id"]
      return trace === undefined || userId === undefined ? Option.none() : Option.some({ traceId: trace.traceID, userId: String(userId) })
    })
  )

const demo = Effect.gen(function*() {
  yield* Effect.sync(() => stackUp())
  const live = yield* randomUserReachable
  const api = live ? Option.none() : Option.some(yield* FakeHttpUsers)
  if (Option.isSome(api)) yield* Console.log(`randomuser.me is not reachable: using the bundled compatible server at ${api.value.url}`)
  const env: Record<string, string> = { STREAM_HTTP_PORT: statusPort, ...(Option.isSome(api) ? { USERS_API_URL: api.value.url } : {}) }
  const started = Date.now()
  const seed = `demo-${started}`
  const ingestOutput = yield* runCli(["ingest", "--count", String(count), "--seed", seed], env)
  const produced = Number(/produced=(\d+)/.exec(ingestOutput)?.[1] ?? 0)
  const fetched = Number(/fetched=(\d+)/.exec(ingestOutput)?.[1] ?? 0)
  const stream = yield* startCli(["stream"], env)
  yield* eventually(
    "the stream to write every ingested user",
    Effect.map(handled, (h) => h.written + h.deadLettered >= produced),
    "5 minutes"
  )
  const done = yield* handled
  yield* stream.signal("SIGTERM")
  yield* stream.exit
  const elapsed = ((Date.now() - started) / 1000).toFixed(1)
  yield* Console.log(`demo: fetched=${fetched} produced=${produced} written=${done.written} dead-lettered=${done.deadLettered} elapsed=${elapsed}s`)
  yield* eventually("a user's trace in Jaeger", Effect.map(userTrace(started), Option.isSome), "30 seconds").pipe(Effect.ignore)
  const trace = yield* userTrace(started).pipe(Effect.orElseSucceed(() => Option.none()))
  if (Option.isNone(trace)) return yield* Console.log("no user's trace found in Jaeger (is tracing off, or sampled?)")
  yield* Console.log(`trace of user ${trace.value.userId}: ${trace.value.traceId}`)
  yield* Console.log(`  npx users-pipeline trace ${trace.value.userId}   (with Docker's Jaeger UI: ${jaeger}/trace/${trace.value.traceId})`)
  yield* Console.log(yield* runCli(["trace", "--trace-id", trace.value.traceId], {}))
}).pipe(Effect.scoped)

demo.pipe(
  Effect.provide(Layer.mergeAll(FakeHttpUsers.layer(), NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
