import { assert, describe, it } from "@effect/vitest"
import { OffsetWatermark } from "../../src/domain/OffsetWatermark.ts"

describe("OffsetWatermark", () => {
  it("commits only a contiguous prefix of done offsets per partition", () => {
    const w = new OffsetWatermark()
    for (const offset of [0, 1, 2, 3]) w.track("t", 0, offset)
    w.track("t", 1, 0)
    w.markDone("t", 0, 1)
    w.markDone("t", 0, 3)
    w.markDone("t", 1, 0)
    assert.deepStrictEqual(w.takeCommittable(), [{ topic: "t", partition: 1, offset: "1" }])
    w.markDone("t", 0, 0)
    assert.deepStrictEqual(w.takeCommittable(), [{ topic: "t", partition: 0, offset: "2" }])
    w.markDone("t", 0, 2)
    assert.deepStrictEqual(w.takeCommittable(), [{ topic: "t", partition: 0, offset: "4" }])
    assert.deepStrictEqual(w.takeCommittable(), [])
    assert.strictEqual(w.inFlight, 0)
  })

  it("handles gaps in a partition's offsets", () => {
    const w = new OffsetWatermark()
    for (const offset of [5, 9, 10]) w.track("t", 0, offset)
    w.markDone("t", 0, 9)
    assert.deepStrictEqual(w.takeCommittable(), [])
    w.markDone("t", 0, 5)
    assert.deepStrictEqual(w.takeCommittable(), [{ topic: "t", partition: 0, offset: "10" }])
  })

  it("offers a failed commit again and ignores marks for forgotten partitions", () => {
    const w = new OffsetWatermark()
    w.track("t", 0, 0)
    w.markDone("t", 0, 0)
    const positions = w.takeCommittable()
    w.restore(positions)
    assert.deepStrictEqual(w.takeCommittable(), positions)
    w.track("t", 1, 0)
    w.forget("t", 1)
    w.markDone("t", 1, 0)
    assert.deepStrictEqual(w.takeCommittable(), [])
  })
})
