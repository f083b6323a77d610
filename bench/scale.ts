// npm run bench:scale [-- count]: stream rows/s with 1, 2 and 3 workers of one group on the cluster profile
// (3 Kafka + 3 Cassandra nodes, topic RF 3, keyspace RF 3, LOCAL_QUORUM: .stack/cluster.env). Each run drains the
// same 6-partition backlog with a fresh group and keyspace, timed from every worker ready to every offset committed.
// Prints one JSON line. All of it shares this box's cores, so it shows what more workers buy here, not a cluster's scaling.
import "../src/DropTimeoutNegativeWarning.ts"
import { Effect } from "effect"
import { loadavg } from "node:os"
import { eventually, startCli } from "../dev/cli.ts"
import { drained } from "../dev/kafka.ts"
import { stackEnvFile } from "../dev/stack.ts"
import { timed, untilReady } from "./lib.ts"
import { dropKeyspace, loadBacklog, streamEnv } from "./stream.ts"

const count = Number(process.argv[2] ?? 100_000)
const cluster = stackEnvFile("cluster.env")

/** `workers` stream processes in one group draining `topic`: rows/s from all ready to fully committed. */
const drainWith = (topic: string, workers: number) =>
  Effect.scoped(Effect.gen(function*() {
    const env = { ...cluster, ...streamEnv(topic, false) }
    const ports = Array.from({ length: workers }, (_, i) => String(19_470 + i))
    const started = performance.now()
    yield* Effect.forEach(ports, (port) => startCli(["stream"], { ...env, STREAM_HTTP_PORT: port }), { concurrency: "unbounded" })
    yield* Effect.forEach(ports, (port) => untilReady(`http://127.0.0.1:${port}/readyz`, started), { concurrency: "unbounded" })
    const [drainMs] = yield* timed(eventually("the backlog drained", drained(env.KAFKA_GROUP_ID!, topic), "15 minutes"))
    yield* dropKeyspace(env)
    return { workers, rowsPerSec: Math.round(count / (drainMs / 1000)) }
  }))

const program = Effect.gen(function*() {
  const topic = yield* loadBacklog(`scale-${Date.now()}`, count)
  const loadBefore = loadavg()
  const runs = []
  for (const workers of [1, 2, 3]) runs.push(yield* drainWith(topic, workers))
  return { messages: count, partitions: 6, runs, loadBefore, loadAfter: loadavg() }
})

console.log(JSON.stringify(await Effect.runPromise(program)))
