// npm run bench [-- --smoke]: throughput, ceilings, latency, memory, startup and tracing cost of the
// pipeline on the local stack, in one run. Prints a table; writes bench/results/latest.{json,svg}.
import "../src/DropTimeoutNegativeWarning.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { cpus, freemem, loadavg, totalmem } from "node:os"
import { FakeHttpUsers } from "../dev/fake-api/FakeHttpUsers.ts"
import { stackUp } from "../dev/stack.ts"
import { ingestCeiling, ingestRate } from "./ingest.ts"
import { median } from "./lib.ts"
import { save, table } from "./report.ts"
import type { Results } from "./report.ts"
import { soak } from "./soak.ts"
import { drainBacklog, latencyAtRate, loadBacklog, rawCeiling } from "./stream.ts"

const smoke = process.argv.includes("--smoke")
/** The SDK's standard sampler at 1 %: the stream follows the sampled flag of the `traceparent` ingest wrote at the same ratio. */
const onePercent = { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" }
const sizes = smoke
  ? { backlog: 20_000, ingest: 20_000, latencyPerSec: 1000, latencySeconds: 5, tracingConcurrency: 64, tracingBacklog: 5_000, tracingRounds: 3, soak: 50_000 }
  : { backlog: 200_000, ingest: 200_000, latencyPerSec: 1000, latencySeconds: 30, tracingConcurrency: 64, tracingBacklog: 100_000, tracingRounds: 5, soak: 1_000_000 }
const concurrencies = smoke ? [64] : [16, 64, 256]
const seed = `bench-${Date.now()}`
/** V8's own young-generation bound (16 MiB semi-spaces, given to node, so the program's own cap steps aside: src/HeapSizing.ts), to compare with that cap. */
const smallYoungGeneration = "--max-semi-space-size=16"

const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  freeMemoryGiB: Math.round(freemem() / 2 ** 30),
  loadAverage: loadavg(),
  node: process.version,
  kafka: "4.4.0 (single KRaft node)",
  cassandra: "5.0.9 (single node, 1 GiB heap)"
})

const bench = Effect.gen(function*() {
  yield* Effect.sync(() => stackUp())
  const before = machine()
  yield* Console.log(`loading a ${sizes.backlog}-user backlog into a 6-partition topic…`)
  const topic = yield* loadBacklog(seed, sizes.backlog)

  const byConcurrency = []
  for (const concurrency of concurrencies) {
    yield* Console.log(`stream @${concurrency}…`)
    const run = yield* drainBacklog(topic, sizes.backlog, concurrency, false)
    const ceilingRowsPerSec = yield* rawCeiling(seed, sizes.backlog, concurrency)
    byConcurrency.push({ ...run, ceilingRowsPerSec })
  }
  yield* Console.log(`stream @${sizes.tracingConcurrency} with NODE_OPTIONS=${smallYoungGeneration}…`)
  const tuned = yield* drainBacklog(topic, sizes.backlog, sizes.tracingConcurrency, false, { NODE_OPTIONS: smallYoungGeneration })
  // Tracing drains backlogs carrying ingest's traceparent (all sampled for 100 %, 1 % sampled for off and 1 %), as
  // ingest-produced messages do, in interleaved rounds: identical drains differ by up to 2× on this box, so one drain
  // each says little. A round's drains run back to back, so each round's overheads compare drains made at the same
  // moment of the box; `latest.json` keeps the median of the rounds' overheads (bench/tracing.ts is the same with more
  // configurations). Their commits come every 100 ms instead of every second: a drain ends at its last commit, and a
  // 1 s interval moved the end of a 10 s drain by up to a tenth.
  yield* Console.log("loading the tracing backlogs (ingest's traceparent at 100 % and at 1 %)…")
  const allSampled = yield* loadBacklog(seed, sizes.tracingBacklog, "zstd", 1)
  const onePercentSampled = yield* loadBacklog(seed, sizes.tracingBacklog, "zstd", 0.01)
  const commitsOften = { KAFKA_COMMIT_INTERVAL: "100 millis" }
  const tracingDrains = {
    off: drainBacklog(onePercentSampled, sizes.tracingBacklog, sizes.tracingConcurrency, false, commitsOften),
    on: drainBacklog(allSampled, sizes.tracingBacklog, sizes.tracingConcurrency, true, commitsOften),
    sampled1pct: drainBacklog(onePercentSampled, sizes.tracingBacklog, sizes.tracingConcurrency, true, { ...commitsOften, ...onePercent })
  }
  const configs = ["off", "on", "sampled1pct"] as const
  const tracingRounds: Array<Results["tracing"]["rounds"][number]> = []
  for (let round = 0; round < sizes.tracingRounds; round++) {
    // Each round starts one configuration later, so that none always runs after another (the 1 % drains after the 100 % ones).
    const order = [...configs.slice(round % configs.length), ...configs.slice(0, round % configs.length)]
    yield* Console.log(`tracing round ${round + 1}/${sizes.tracingRounds}: ${order.join(", ")}…`)
    const rowsPerSec = { off: 0, on: 0, sampled1pct: 0 }
    const cpuMsPer1kRows = { off: 0, on: 0, sampled1pct: 0 }
    for (const config of order) {
      const drain = yield* tracingDrains[config]
      rowsPerSec[config] = drain.rowsPerSec
      cpuMsPer1kRows[config] = drain.cpuMsPer1kRows
    }
    tracingRounds.push({ ...rowsPerSec, order, cpuMsPer1kRows })
  }
  const untraced = median(tracingRounds.map((r) => r.off))
  const traced = median(tracingRounds.map((r) => r.on))
  const sampled = median(tracingRounds.map((r) => r.sampled1pct))
  /** The median over rounds of what `config` lost against the same round's untraced drain: rows/s, and CPU per row. */
  const loss = (config: "on" | "sampled1pct") => median(tracingRounds.map((r) => 1 - r[config] / r.off))
  const cpuCost = (config: "on" | "sampled1pct") => median(tracingRounds.map((r) => r.cpuMsPer1kRows[config] / r.cpuMsPer1kRows.off - 1))
  yield* Console.log("ingest and its ceiling…")
  const ingest = yield* ingestRate(seed, sizes.ingest)
  const ingestCeilingUsersPerSec = yield* ingestCeiling(seed, sizes.ingest)
  yield* Console.log(`end-to-end latency at ${sizes.latencyPerSec} users/s…`)
  const latency = yield* latencyAtRate(seed, sizes.latencyPerSec, sizes.latencySeconds)
  yield* Console.log(`soak: a ${sizes.soak}-user backlog at the default concurrency…`)
  const soaked = yield* soak(seed, sizes.soak)

  const best = byConcurrency.reduce((a, b) => (b.rowsPerSec > a.rowsPerSec ? b : a))
  const results: Results = {
    date: new Date().toISOString(),
    machine: { ...before, loadAverageAfter: loadavg() },
    sizes: { ...sizes, smoke: smoke ? 1 : 0 },
    stream: {
      rowsPerSec: best.rowsPerSec,
      ceilingRowsPerSec: best.ceilingRowsPerSec,
      byConcurrency: byConcurrency.map(({ ceilingRowsPerSec, concurrency, maxRssMb, readyMs, rowsPerSec }) => ({ concurrency, rowsPerSec, ceilingRowsPerSec, maxRssMb, readyMs }))
    },
    ingest: { usersPerSec: ingest.usersPerSec, ceilingUsersPerSec: ingestCeilingUsersPerSec },
    latency,
    memory: {
      maxRssMb: Math.max(...byConcurrency.map((c) => c.maxRssMb)),
      rssSamplesMb: best.rssMb,
      tuned: { nodeOptions: smallYoungGeneration, maxRssMb: tuned.maxRssMb, rowsPerSec: tuned.rowsPerSec, rssSamplesMb: tuned.rssMb }
    },
    soak: soaked,
    startup: { readyMs: latency.restartReadyMs },
    tracing: {
      onRowsPerSec: traced,
      offRowsPerSec: untraced,
      overheadRatio: loss("on"),
      sampled1pctRowsPerSec: sampled,
      sampled1pctOverheadRatio: loss("sampled1pct"),
      cpuOverheadRatio: cpuCost("on"),
      sampled1pctCpuOverheadRatio: cpuCost("sampled1pct"),
      rounds: tracingRounds
    }
  }
  save(results, smoke ? "smoke" : "latest")
  yield* Console.log(table(results))
  yield* Console.log(`wrote bench/results/${smoke ? "smoke" : "latest"}.json and .svg`)
})

bench.pipe(Effect.provide(FakeHttpUsers.layer()), NodeRuntime.runMain)
