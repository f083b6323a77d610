import { assert, describe, it } from "@effect/vitest"
import { CommitWatermark } from "../../src/domain/CommitWatermark.ts"
import type { HandledRange } from "../../src/domain/CommitWatermark.ts"

const range = (from: number, through: number, start = false, partition = 0): HandledRange => ({
  topic: "t",
  partition,
  from,
  through,
  start
})
const offsetOf = (w: CommitWatermark, r: HandledRange) => w.add(r)?.offset

describe("CommitWatermark", () => {
  it("moves a partition only over contiguous handled ranges, whatever order they arrive in", () => {
    const w = new CommitWatermark()
    assert.strictEqual(offsetOf(w, range(20, 30)), undefined, "waits: nothing before 20 is known handled")
    assert.strictEqual(offsetOf(w, range(10, 20)), undefined)
    assert.strictEqual(offsetOf(w, range(0, 10, true)), "30", "the start range releases the ranges waiting behind it")
    assert.strictEqual(offsetOf(w, range(40, 50)), undefined, "30..40 is not handled yet")
    assert.strictEqual(offsetOf(w, range(30, 40)), "50")
  })

  it("takes a prefix of a range, then the whole of it", () => {
    const w = new CommitWatermark()
    assert.strictEqual(offsetOf(w, range(0, 4, true)), "4")
    assert.strictEqual(offsetOf(w, range(8, 12)), undefined)
    assert.strictEqual(offsetOf(w, range(4, 6)), "6", "a batch still retrying reports its handled prefix")
    assert.strictEqual(offsetOf(w, range(4, 8)), "12", "…and later its end")
    assert.strictEqual(offsetOf(w, range(4, 8)), undefined, "a range already covered moves nothing")
  })

  it("a start range beyond the position (another member committed further) jumps to it; one below it does not go back", () => {
    const w = new CommitWatermark()
    assert.strictEqual(offsetOf(w, range(0, 10, true)), "10")
    assert.strictEqual(offsetOf(w, range(100, 110, true)), "110")
    assert.strictEqual(offsetOf(w, range(50, 60, true)), undefined)
    assert.strictEqual(offsetOf(w, range(110, 120)), "120")
  })

  it("keeps partitions apart", () => {
    const w = new CommitWatermark()
    assert.deepStrictEqual(w.add(range(0, 5, true, 1)), { topic: "t", partition: 1, offset: "5" })
    assert.strictEqual(offsetOf(w, range(5, 9, false, 0)), undefined, "partition 0 has no start yet")
    assert.strictEqual(offsetOf(w, range(0, 5, true, 0)), "9")
  })
})
