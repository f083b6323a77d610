// node bench/tracing.ts [count] [rounds] [label=path/to/main.js …]: the cost of tracing in interleaved rounds. Each round
// drains the same backlogs with `stream --concurrency 64` of each build (default: this tree's dist/main.js) with tracing
// off, at 100 % and at 1 % (`parentbased_traceidratio`, 0.01). The backlogs carry ingest's `traceparent` (all sampled for
// 100 %; 1 % sampled, by ingest's sampler, for off and 1 %); "1 % roots" drains one without trace headers (every message a
// new root the stream's sampler decides). Prints a JSON line per drain (with the CPU time the stream, Jaeger and Cassandra
// spent per 1,000 rows: steadier than rows/s on a busy box), then medians and each one's loss against off.
import "../src/DropTimeoutNegativeWarning.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join, resolve } from "node:path"
import { builtMain } from "../dev/cliEntry.ts"
import { eventually } from "../dev/cli.ts"
import { drained } from "../dev/kafka.ts"
import { cpuMs, median, timed, untilReady } from "./lib.ts"
import { dropKeyspace, loadBacklog, streamEnv } from "./stream.ts"

const [countArg = "100000", roundsArg = "3", ...buildArgs] = process.argv.slice(2)
const count = Number(countArg)
const builds = buildArgs.length === 0
  ? [{ label: "this", main: builtMain }]
  : buildArgs.map((arg) => ({ label: arg.split("=")[0]!, main: resolve(arg.split("=")[1]!) }))
const onePercent = { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" }

const stackRun = join(process.env["STACK_STATE_DIR"] ?? join(import.meta.dirname, "../.stack"), "run")
const stackPid = (server: string) => {
  const file = join(stackRun, `${server}.pid`)
  return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : undefined
}
const servers = { jaeger: stackPid("jaeger"), cassandra: stackPid("cassandra") }

/** Drains `topic` with `main stream --concurrency 64`: rows/s from ready to every offset committed, CPU ms per 1,000 rows. */
const drain = (main: string, topic: string, env: Record<string, string>) =>
  Effect.scoped(Effect.gen(function*() {
    const started = performance.now()
    // A port of its own: other sessions on the box may run the bench's fixed one.
    const port = String(20_000 + Math.floor(Math.random() * 10_000))
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, [main, "stream", "--concurrency", "64"], { env: { ...process.env, ...env, STREAM_HTTP_PORT: port }, stdio: "ignore" })
      ),
      (child) => Effect.sync(() => void (child.exitCode === null && child.kill("SIGKILL")))
    )
    const exited = new Promise((resolve) => child.on("exit", resolve))
    yield* untilReady(`http://127.0.0.1:${port}/readyz`, started)
    const before = { stream: cpuMs(child.pid), jaeger: cpuMs(servers.jaeger), cassandra: cpuMs(servers.cassandra) }
    const [drainMs] = yield* timed(eventually("the backlog drained", drained(env["KAFKA_GROUP_ID"]!, topic), "10 minutes"))
    const per1k = (ms: number) => Math.round(ms / (count / 1000))
    const cpu = {
      stream: per1k(cpuMs(child.pid) - before.stream),
      jaeger: per1k(cpuMs(servers.jaeger) - before.jaeger),
      cassandra: per1k(cpuMs(servers.cassandra) - before.cassandra)
    }
    child.kill("SIGTERM")
    yield* Effect.promise(() => exited)
    yield* dropKeyspace(env)
    return { rowsPerSec: count / (drainMs / 1000), cpuMsPer1kRows: cpu }
  }))

const bench = Effect.gen(function*() {
  const seed = `tracing-${Date.now()}`
  const allSampled = yield* loadBacklog(seed, count, "zstd", 1)
  const onePercentSampled = yield* loadBacklog(seed, count, "zstd", 0.01)
  const roots = yield* loadBacklog(seed, count)
  const configs = [
    { name: "off", topic: onePercentSampled, tracing: false, env: {} },
    { name: "100 %", topic: allSampled, tracing: true, env: {} },
    { name: "1 %", topic: onePercentSampled, tracing: true, env: onePercent },
    { name: "1 % roots", topic: roots, tracing: true, env: onePercent }
  ]
  const results: Array<{ build: string; config: string; round: number; rowsPerSec: number; load: number; cpuMsPer1kRows: Record<string, number> }> = []
  for (let round = 1; round <= Number(roundsArg); round++) {
    for (const build of builds) {
      for (const config of configs) {
        const env = { ...streamEnv(config.topic, config.tracing), ...config.env }
        // A drain that fails (a server restarted by another session's fault tests) is run again, once, in a fresh group.
        const { cpuMsPer1kRows, rowsPerSec } = yield* drain(build.main, config.topic, env).pipe(
          Effect.catchDefect((defect) =>
            Effect.andThen(
              Console.log(`drain failed, once more: ${String(defect)}`),
              drain(build.main, config.topic, { ...streamEnv(config.topic, config.tracing), ...config.env })
            )
          )
        )
        const result = { build: build.label, config: config.name, round, rowsPerSec: Math.round(rowsPerSec), load: loadavg()[0]!, cpuMsPer1kRows }
        results.push(result)
        yield* Console.log(JSON.stringify(result))
      }
    }
  }
  for (const build of builds) {
    const of = (config: string) => results.filter((r) => r.build === build.label && r.config === config)
    const off = median(of("off").map((r) => r.rowsPerSec))
    for (const config of configs) {
      const runs = of(config.name)
      const m = median(runs.map((r) => r.rowsPerSec))
      const loss = config.name === "off" ? "" : ` (${((m / off - 1) * 100).toFixed(0)} %)`
      const cpu = (k: string) => Math.round(median(runs.map((r) => r.cpuMsPer1kRows[k]!)))
      yield* Console.log(
        `${build.label} ${config.name}: ${runs.map((r) => r.rowsPerSec).join(" / ")} rows/s, median ${Math.round(m)}${loss}, load ${
          runs.map((r) => r.load.toFixed(1)).join(" / ")
        }; CPU ms per 1,000 rows (median): stream ${cpu("stream")}, jaeger ${cpu("jaeger")}, cassandra ${cpu("cassandra")}`
      )
    }
  }
})

bench.pipe(NodeRuntime.runMain)
