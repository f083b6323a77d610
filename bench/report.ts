import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { SoakResult } from "./soak.ts"

/** What one `npm run bench` measured; `latest.json` is this object. */
export interface Results {
  readonly date: string
  readonly machine: Record<string, unknown>
  readonly sizes: Record<string, number>
  readonly stream: {
    readonly rowsPerSec: number
    readonly ceilingRowsPerSec: number
    readonly byConcurrency: ReadonlyArray<{ readonly concurrency: number; readonly rowsPerSec: number; readonly ceilingRowsPerSec: number; readonly maxRssMb: number }>
  }
  readonly ingest: { readonly usersPerSec: number; readonly ceilingUsersPerSec: number }
  readonly latency: { readonly offeredPerSec: number; readonly p50Ms: number; readonly p95Ms: number; readonly p99Ms: number }
  readonly memory: {
    readonly maxRssMb: number
    readonly rssSamplesMb: ReadonlyArray<number>
    /** The same drain with V8's own 16 MiB semi-spaces given to node instead of the program's cap (src/HeapSizing.ts). */
    readonly tuned: { readonly nodeOptions: string; readonly maxRssMb: number; readonly rowsPerSec: number; readonly rssSamplesMb: ReadonlyArray<number> }
  }
  /** A large backlog drained at the default concurrency, RSS sampled every second. */
  readonly soak: SoakResult
  readonly startup: { readonly readyMs: number }
  /**
   * Off, 100 % and 1 % drains of the same backlogs in interleaved rounds, each round in another order: medians of each
   * configuration's rows/s, and of each round's overheads (rows/s lost, CPU per row added) against that round's `off`.
   */
  readonly tracing: {
    readonly onRowsPerSec: number
    readonly offRowsPerSec: number
    readonly overheadRatio: number
    /** The same drain with `OTEL_TRACES_SAMPLER=parentbased_traceidratio` at 1 %. */
    readonly sampled1pctRowsPerSec: number
    readonly sampled1pctOverheadRatio: number
    /** The stream's CPU per row at 100 % and at 1 % over that of the untraced drain, less 1 (steadier than rows/s here). */
    readonly cpuOverheadRatio: number
    readonly sampled1pctCpuOverheadRatio: number
    /** Rows/s and the stream's CPU ms per 1,000 rows of each drain of a round, and the order they ran in. */
    readonly rounds: ReadonlyArray<{
      readonly off: number
      readonly on: number
      readonly sampled1pct: number
      readonly order: ReadonlyArray<string>
      readonly cpuMsPer1kRows: { readonly off: number; readonly on: number; readonly sampled1pct: number }
    }>
  }
}

const n = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: Math.abs(x) < 10 ? 2 : 0 })
/** A ratio as a signed percentage: +12%, -1.5%. */
const signedPercent = (ratio: number) => `${ratio >= 0 ? "+" : ""}${n(ratio * 100)}%`

/** The table printed at the end of a run. */
export const table = (r: Results): string => {
  const rows: Array<[string, string, string]> = [
    ...r.stream.byConcurrency.map((c): [string, string, string] => [`stream rows/s @${c.concurrency}`, n(c.rowsPerSec), `${n(c.ceilingRowsPerSec)} (${n(c.rowsPerSec / c.ceilingRowsPerSec)})`]),
    ["ingest users/s", n(r.ingest.usersPerSec), `${n(r.ingest.ceilingUsersPerSec)} (${n(r.ingest.usersPerSec / r.ingest.ceilingUsersPerSec)})`],
    [`latency p50/p95/p99 ms @${r.latency.offeredPerSec}/s`, `${n(r.latency.p50Ms)} / ${n(r.latency.p95Ms)} / ${n(r.latency.p99Ms)}`, "target p99 < 250"],
    ["stream max RSS MiB (draining)", n(r.memory.maxRssMb), "target < 200"],
    [`  with ${r.memory.tuned.nodeOptions}`, `${n(r.memory.tuned.maxRssMb)} (${n(r.memory.tuned.rowsPerSec)} rows/s)`, "target < 200"],
    [`soak: ${n(r.soak.messages)} users, rows/s`, n(r.soak.rowsPerSec), ""],
    ["soak max RSS MiB / growth of the last half", `${n(r.soak.maxRssMb)} / ${n(r.soak.rssGrowthLastHalfMb)}`, "target < 200 / < 10"],
    ["stream start → ready ms", n(r.startup.readyMs), "target < 1000"],
    ["tracing on / off rows/s", `${n(r.tracing.onRowsPerSec)} / ${n(r.tracing.offRowsPerSec)}`, `overhead ${n(r.tracing.overheadRatio * 100)}% (target ≤ 15%)`],
    ["tracing at 1 % sampling rows/s", n(r.tracing.sampled1pctRowsPerSec), `overhead ${n(r.tracing.sampled1pctOverheadRatio * 100)}% (target ≤ 3%)`],
    ["  stream CPU per row, 100 % / 1 %", `${signedPercent(r.tracing.cpuOverheadRatio)} / ${signedPercent(r.tracing.sampled1pctCpuOverheadRatio)}`, "against tracing off"]
  ]
  const width = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length), ["measure", "value", "ceiling (ratio) / target"][i]!.length))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(width[i]!)).join("  ")
  return [line(["measure", "value", "ceiling (ratio) / target"]), ...rows.map(line)].join("\n")
}

const bar = (x: number, y: number, w: number, h: number, fill: string, label: string) =>
  `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fill}"/><text x="${x + w / 2}" y="${y - 4}" font-size="11" text-anchor="middle">${label}</text>`

/** A bar chart of throughput against its ceilings, and the latency percentiles, as SVG. */
export const chart = (r: Results): string => {
  const groups = [
    ...r.stream.byConcurrency.map((c) => ({ name: `stream @${c.concurrency}`, value: c.rowsPerSec, ceiling: c.ceilingRowsPerSec })),
    { name: "ingest", value: r.ingest.usersPerSec, ceiling: r.ingest.ceilingUsersPerSec }
  ]
  const max = Math.max(...groups.flatMap((g) => [g.value, g.ceiling]))
  const height = 220
  const scale = (v: number) => (v / max) * height
  const bars = groups.map((g, i) => {
    const x = 60 + i * 130
    return bar(x, 260 - scale(g.value), 45, scale(g.value), "#4e79a7", n(g.value)) +
      bar(x + 50, 260 - scale(g.ceiling), 45, scale(g.ceiling), "#bab0ac", n(g.ceiling)) +
      `<text x="${x + 47}" y="278" font-size="12" text-anchor="middle">${g.name}</text>`
  }).join("")
  const latency = [["p50", r.latency.p50Ms], ["p95", r.latency.p95Ms], ["p99", r.latency.p99Ms]] as const
  const lmax = Math.max(250, ...latency.map(([, v]) => v))
  const lbars = latency.map(([name, v], i) => {
    const x = 60 + groups.length * 130 + 40 + i * 60
    const h = (v / lmax) * height
    return bar(x, 260 - h, 40, h, v < 250 ? "#59a14f" : "#e15759", `${n(v)} ms`) + `<text x="${x + 20}" y="278" font-size="12" text-anchor="middle">${name}</text>`
  }).join("")
  const w = 60 + groups.length * 130 + 40 + 3 * 60 + 40
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="320" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="10" y="20" font-size="14">users-pipeline benchmark ${r.date} — blue: pipeline, grey: raw-driver ceiling (per second); right: end-to-end latency @${r.latency.offeredPerSec}/s</text>` +
    bars + lbars + `<line x1="50" y1="260" x2="${w - 20}" y2="260" stroke="black"/>` +
    `<text x="10" y="305" font-size="11">${String(r.machine["cpus"])} CPUs, ${String(r.machine["memoryGiB"])} GiB, node ${String(r.machine["node"])}; tracing overhead ${n(r.tracing.overheadRatio * 100)}% (at 1 % sampling ${n(r.tracing.sampled1pctOverheadRatio * 100)}%), stream max RSS ${n(r.memory.maxRssMb)} MiB, start→ready ${n(r.startup.readyMs)} ms</text></svg>`
}

/** Writes `latest.json` and `latest.svg` under bench/results. */
export const save = (r: Results, name = "latest") => {
  const dir = join(import.meta.dirname, "results")
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(r, null, 2) + "\n")
  writeFileSync(join(dir, `${name}.svg`), chart(r))
}
