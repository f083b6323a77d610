// V8 sizes its heap for the host: on a 24 GiB box a draining `stream` let the young generation grow to 128 MiB and the
// old space to a few times what is live, 310–430 MiB RSS for a live heap of ~50 MiB. The program sizes both itself,
// without flags on node's command line (bench/README.md, "2026-12-04 (evening): the stream's memory at the defaults"):
// - every command: the young generation grows to `youngGenerationCapBytes` and no further. V8 reads its maximum
//   (`--max-semi-space-size`) only when the process starts, but reads its growth factor each time it grows it: the
//   factor is 1 (no growth) from the start, and after each garbage collection it is 2 while doubling the young
//   generation keeps it within the cap, 1 once it does not;
// - `stream` only, when it starts: the old space grows to 1.2× what is live before it is collected
//   (`--heap-growing-percent=20`, which V8 reads each time it sets the next limit). That keeps a long drain under
//   200 MiB at the cost of a mark-compact every ~2,000 rows; a one-shot `ingest` has no such bound to meet, and V8's own
//   factor runs it with ~30 % less CPU (bench/README.md, "2026-12-07").
// A setting given to node itself (command line or NODE_OPTIONS) is left as given.
import { PerformanceObserver } from "node:perf_hooks"
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8"

/**
 * The young generation's size (both semi-spaces) at which it stops growing: 4 MiB semi-spaces. A 1,000,000-user drain
 * peaked at 170–191 MiB RSS over five runs with it, 174–206 over eight with 16 MiB, at the same rows/s (bench/README.md).
 */
export const youngGenerationCapBytes = 8 * 1024 * 1024

const givenToNode = (flag: string): boolean =>
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((arg) => arg.replaceAll("_", "-").startsWith(flag))

const youngGenerationBytes = (): number =>
  getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0

/** Caps the young generation at `cap` bytes by steering V8's growth factor after each garbage collection. */
export const capYoungGeneration = (cap: number = youngGenerationCapBytes): void => {
  let factor = 1
  setFlagsFromString("--semi-space-growth-factor=1")
  const steer = () => {
    const wanted = youngGenerationBytes() * 2 <= cap ? 2 : 1
    if (wanted !== factor) {
      setFlagsFromString(`--semi-space-growth-factor=${wanted}`)
      factor = wanted
    }
  }
  // A `gc` entry is delivered after the collection, between tasks: when one task runs several collections the young
  // generation can grow once more before the factor is set back (to 2× the cap at most).
  new PerformanceObserver(steer).observe({ entryTypes: ["gc"] })
}

/** Every command's sizing, at start: the young generation's cap, unless node was given a size of its own. */
export const sizeHeap = (): void => {
  if (!givenToNode("--max-semi-space-size") && !givenToNode("--semi-space-growth-factor")) capYoungGeneration()
}

/** `stream`'s sizing: the old space collected once it is 1.2× what is live, unless node was given a factor of its own. */
export const boundOldSpace = (): void => {
  if (!givenToNode("--heap-growing-percent")) setFlagsFromString("--heap-growing-percent=20")
}
