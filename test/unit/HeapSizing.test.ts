import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { youngGenerationCapBytes } from "../../src/HeapSizing.ts"

const heapSizing = pathToFileURL(join(import.meta.dirname, "../../src/HeapSizing.ts")).href
const capMb = youngGenerationCapBytes / 2 ** 20
// The steering lags a collection when one task runs several (src/HeapSizing.ts): the young generation can double once
// past the cap. V8 also counts up to a MiB beyond its semi-spaces in new_space (16.75 MiB for two 8 MiB semi-spaces).
const mostYoungMb = 2 * capMb + 1

type Sizing = "none" | "sizeHeap" | "capYoungGeneration" | "boundOldSpace"

// A workload most of whose young objects survive their first collection (a ring of 300,000 live objects replaced
// 10,000,000 times, 10,000 per task), which is what makes V8 grow the young generation and fills the old space with
// objects that die there; after each collection it records the young generation's size (MiB) and whether it was a
// mark-compact, and prints both. A fixed amount of work, not a fixed time: on a loaded machine a timed run does less of
// it, and the count of mark-compacts then says more about the machine than about the sizing.
const workload = (sizing: Sizing) => `
import { getHeapSpaceStatistics } from "node:v8"
import { constants, PerformanceObserver } from "node:perf_hooks"
${sizing === "none" ? "" : `(await import(${JSON.stringify(heapSizing)})).${sizing}()`}
const young = () => getHeapSpaceStatistics().find((space) => space.space_name === "new_space").space_size / 2 ** 20
const sizes = []
let markCompacts = 0
new PerformanceObserver((list) => {
  sizes.push(young())
  markCompacts += list.getEntries().filter((entry) => entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length
}).observe({ entryTypes: ["gc"] })
const ring = new Array(300_000)
let i = 0
for (let task = 0; task < 1000; task++, await new Promise((resolve) => setImmediate(resolve))) {
  for (let k = 0; k < 10_000; k++) ring[i++ % ring.length] = { i, s: "x" + i, pair: [i, i] }
}
console.log(JSON.stringify({ sizes, markCompacts }))
`

/** Runs the workload with `sizing` applied: the young generation's size after each collection, and the mark-compacts. */
const collections = (sizing: Sizing, nodeArgs: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) => {
  const child = spawnSync(process.execPath, [...nodeArgs, "--input-type=module", "-e", workload(sizing)], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, NODE_OPTIONS: "", ...env }
  })
  assert.strictEqual(child.status, 0, child.stderr)
  const result: { readonly sizes: ReadonlyArray<number>; readonly markCompacts: number } = JSON.parse(child.stdout)
  assert.isAbove(result.sizes.length, 5, "the workload ran collections")
  return result
}

/** The largest young generation seen after a collection, in MiB. */
const largestYoungMb = (sizing: Sizing, nodeArgs: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  Math.max(...collections(sizing, nodeArgs, env).sizes)

// Each run takes 1–2 s here, up to 4 s on a loaded machine; a test runs up to three.
describe("HeapSizing", { timeout: 60_000 }, () => {
  it("keeps the young generation at its cap where V8 alone grows it past 4× the cap", () => {
    // 64 MiB semi-spaces let V8 grow the young generation to 128 MiB whatever the host's memory.
    assert.isAtLeast(largestYoungMb("none", ["--max-semi-space-size=64"]), 4 * capMb)
    assert.isAtMost(largestYoungMb("capYoungGeneration", ["--max-semi-space-size=64"]), mostYoungMb)
  })

  it("applies the cap at start when node was given no young-generation flag", () => {
    assert.isAtMost(largestYoungMb("sizeHeap", []), mostYoungMb)
  })

  it("bounds the old space for stream only: every command's sizing leaves V8's old-space growth as it is", () => {
    // The same young generation in each run, so only the old space's growth factor differs.
    const young = ["--max-semi-space-size=64"]
    const ownGrowth = collections("sizeHeap", young).markCompacts
    const bounded = collections("boundOldSpace", young).markCompacts
    // Collected at 1.2× what is live, the old space is marked several times as often as with V8's own factor.
    assert.isAtLeast(bounded, 3 * Math.max(1, ownGrowth), `mark-compacts: ${bounded} bounded, ${ownGrowth} with V8's growth`)
    // A factor given to node is left as given.
    assert.isAtMost(collections("boundOldSpace", [...young, "--heap-growing-percent=1000"]).markCompacts, bounded / 3)
  })

  it("leaves a young-generation size given to node as given, on the command line or in NODE_OPTIONS", () => {
    assert.isAtLeast(largestYoungMb("sizeHeap", ["--max-semi-space-size=64"]), 4 * capMb)
    assert.isAtLeast(largestYoungMb("sizeHeap", [], { NODE_OPTIONS: "--max-semi-space-size=64" }), 4 * capMb)
  })
})
