import { Effect } from "effect"
import type { Duration } from "effect"
import { randomBytes } from "node:crypto"
import { Kafka, logLevel } from "kafkajs"
import { tableOf } from "../dev/cassandra.ts"
import { eventually, startCli } from "../dev/cli.ts"
import { drained, freshEnv } from "../dev/kafka.ts"
import type { Compression } from "../src/layers/KafkaCodecs.ts"
import { users, record } from "./dataset.ts"
import { cpuMs, quantile, runScript, sampleRss, timed, untilReady } from "./lib.ts"

const statusPort = "19465"
/** KAFKA_BROKERS (the cluster profile's, for `bench:scale`) or the local stack's broker. */
export const benchBrokers = (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(",")
const readyz = `http://127.0.0.1:${statusPort}/readyz`

/** Environment of one stream run on `topic`: its own group and keyspace, telemetry on or off. */
export const streamEnv = (topic: string, tracing: boolean) =>
  freshEnv({
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: `${topic}.dlq`,
    KAFKA_TOPIC_PARTITIONS: "6",
    STREAM_HTTP_PORT: statusPort,
    OTEL_SDK_DISABLED: tracing ? "false" : "true",
    LOG_LEVEL: "Warn"
  })

/** Drops the keyspace a stream run wrote. */
export const dropKeyspace = (env: Record<string, string>) => Effect.scoped(Effect.flatMap(tableOf(env), (table) => table.dropKeyspace))

/**
 * Loads `count` users into a new 6-partition topic with the raw producer (the programs' default codec unless said); with
 * `traceRatio`, each carries the `traceparent` of ingest at that sampling ratio. Returns the topic.
 */
export const loadBacklog = (seed: string, count: number, compression: Compression = "zstd", traceRatio?: number) =>
  Effect.gen(function*() {
    const topic = `bench_${randomBytes(4).toString("hex")}`
    yield* Effect.promise(async () => {
      const admin = new Kafka({ clientId: "bench", brokers: benchBrokers, logLevel: logLevel.NOTHING }).admin()
      await admin.connect()
      const replicationFactor = Number(process.env["KAFKA_TOPIC_REPLICATION"] ?? -1)
      await admin.createTopics({
        topics: [{ topic, numPartitions: 6, replicationFactor }, { topic: `${topic}.dlq`, numPartitions: 6, replicationFactor }],
        waitForLeaders: true
      })
      await admin.disconnect()
    })
    yield* runScript("raw-kafka.ts", [topic, seed, String(count), "4", compression, traceRatio === undefined ? "none" : String(traceRatio)])
    return topic
  })

/**
 * Drains the backlog with `stream --concurrency c` (its default when undefined): rows/s from ready to fully committed, the
 * stream's CPU (all threads) per 1,000 rows over that time, time to ready, RSS samples (every `rssEvery`).
 */
export const drainBacklog = <Concurrency extends number | undefined>(
  topic: string,
  count: number,
  concurrency: Concurrency,
  tracing: boolean,
  extraEnv: Record<string, string> = {},
  rssEvery: Duration.Input = "500 millis"
) =>
  Effect.scoped(Effect.gen(function*() {
    const env = { ...streamEnv(topic, tracing), ...extraEnv }
    const started = performance.now()
    const cli = yield* startCli(concurrency === undefined ? ["stream"] : ["stream", "--concurrency", String(concurrency)], env)
    const rss = yield* sampleRss(cli, rssEvery)
    const readyMs = yield* untilReady(readyz, started)
    const cpuBefore = cpuMs(cli.child.pid)
    const [drainMs] = yield* timed(eventually("the backlog drained", drained(env.KAFKA_GROUP_ID!, topic), "10 minutes"))
    const cpuMsPer1kRows = (cpuMs(cli.child.pid) - cpuBefore) / (count / 1000)
    yield* cli.signal("SIGTERM")
    yield* cli.exit
    yield* dropKeyspace(env)
    return { concurrency, tracing, rowsPerSec: count / (drainMs / 1000), cpuMsPer1kRows, readyMs, maxRssMb: Math.max(...rss), rssMb: rss, output: cli.output() }
  }))

/** The raw cassandra-driver ceiling at the same concurrency. */
export const rawCeiling = (seed: string, count: number, concurrency: number) =>
  Effect.gen(function*() {
    const env = streamEnv("ceiling", false)
    const result = yield* runScript<{ rowsPerSec: number }>("raw-cassandra.ts", [seed, String(count), String(concurrency)], env)
    yield* dropKeyspace(env)
    return result.rowsPerSec
  })

/** End-to-end latency at a fixed offered rate: a paced producer, the stream, then written_at − ingested_at of every row. */
export const latencyAtRate = (seed: string, perSecond: number, seconds: number) =>
  Effect.scoped(Effect.gen(function*() {
    const topic = yield* loadBacklog(`${seed}-empty`, 0)
    const env = streamEnv(topic, false)
    const cli = yield* startCli(["stream", "--concurrency", "64"], env)
    yield* untilReady(readyz, performance.now())
    const records = users(`${seed}-latency`, perSecond * seconds).map(record)
    yield* Effect.promise(async () => {
      const producer = new Kafka({ clientId: "bench-paced", brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING }).producer({ idempotent: true })
      await producer.connect()
      const tick = 100
      const perTick = perSecond * tick / 1000
      const start = performance.now()
      for (let i = 0; i * perTick < records.length; i++) {
        const wait = start + i * tick - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        await producer.send({ topic, messages: records.slice(i * perTick, (i + 1) * perTick), acks: -1 })
      }
      await producer.disconnect()
    })
    yield* eventually("the paced load drained", drained(env.KAFKA_GROUP_ID!, topic), "5 minutes")
    yield* cli.signal("SIGTERM")
    yield* cli.exit
    // spawn → ready of the restarted process (the first one's shutdown is not part of it)
    const started = performance.now()
    const restart = yield* startCli(["stream"], env)
    const readyMs = yield* untilReady(readyz, started)
    yield* restart.signal("SIGTERM")
    yield* restart.exit
    const latencies = yield* Effect.scoped(Effect.gen(function*() {
      const table = yield* tableOf(env)
      return yield* Effect.promise(async () => {
        const out: Array<number> = []
        const query = `SELECT ingested_at, written_at FROM ${table.keyspace}.${table.table}`
        for await (const row of await table.client.execute(query, [], { fetchSize: 5000 })) {
          out.push((row.get("written_at") as Date).getTime() - (row.get("ingested_at") as Date).getTime())
        }
        return out
      })
    }))
    yield* dropKeyspace(env)
    return {
      offeredPerSec: perSecond,
      rows: latencies.length,
      p50Ms: quantile(latencies, 0.5),
      p95Ms: quantile(latencies, 0.95),
      p99Ms: quantile(latencies, 0.99),
      restartReadyMs: readyMs
    }
  }))
