import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { setImmediate } from "node:timers/promises"
import { pathToFileURL } from "node:url"

const dropper = pathToFileURL(join(import.meta.dirname, "../../src/DropTimeoutNegativeWarning.ts")).href

// What kafkajs' request queue does when nothing is pending, then a warning of another kind.
const script = "setTimeout(() => {}, -1); process.emitWarning('still printed', 'OtherWarning')"
const stderrOf = (nodeArgs: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [...nodeArgs, "-e", script], { encoding: "utf8", timeout: 20_000 }).stderr

describe("DropTimeoutNegativeWarning", () => {
  it("drops the TimeoutNegativeWarning of a negative setTimeout, and no other warning", () => {
    assert.include(stderrOf([]), "TimeoutNegativeWarning", "this Node warns about a negative setTimeout")
    const stderr = stderrOf(["--import", dropper])
    assert.notInclude(stderr, "TimeoutNegativeWarning")
    assert.include(stderr, "OtherWarning: still printed")
  })

  it("is loaded in every test worker before its test file (vitest setupFiles)", async () => {
    const warned: Array<string> = []
    const onWarning = (warning: Error) => void warned.push(warning.name)
    process.on("warning", onWarning)
    try {
      process.emitWarning("-1 is a negative number.\nTimeout duration was set to 1.", "TimeoutNegativeWarning")
      await setImmediate()
    } finally {
      process.off("warning", onWarning)
    }
    assert.deepStrictEqual(warned, [])
  })
})
