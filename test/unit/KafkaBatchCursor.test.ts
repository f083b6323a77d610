import { assert, describe, it } from "@effect/vitest"
import { CommitWatermark } from "../../src/domain/CommitWatermark.ts"
import { KafkaBatchCursor } from "../../src/layers/KafkaBatchCursor.ts"

describe("KafkaBatchCursor", () => {
  it("starts a partition at its first batch after a join, then chains each batch to the previous one's end", () => {
    const cursor = new KafkaBatchCursor()
    cursor.joined()
    const first = cursor.begin("p0", 100)
    assert.deepStrictEqual({ from: first.from, start: first.start }, { from: 100, start: true })
    cursor.handed("p0", first.join, 149)
    const second = cursor.begin("p0", 150)
    assert.deepStrictEqual({ from: second.from, start: second.start }, { from: 150, start: false })
    assert.isTrue(cursor.begin("p1", 7).start, "each partition has its own start")
  })

  it("a rebalance that ends without a join (kafkajs fetches on from where it was) is no start: the commit stage cannot jump", () => {
    const cursor = new KafkaBatchCursor()
    const watermark = new CommitWatermark()
    cursor.joined()
    const a = cursor.begin("p0", 0)
    cursor.handed("p0", a.join, 99)
    // [0, 100) handed to the stream and still being written; kafkajs rebalances, its join fails, it fetches on from 100
    const b = cursor.begin("p0", 100)
    cursor.handed("p0", b.join, 199)
    assert.strictEqual(b.start, false)
    const committed = watermark.add({ topic: "t", partition: 0, from: b.from, through: 200, start: b.start })
    assert.strictEqual(committed, undefined, "[100, 200) handled says nothing about [0, 100), still in flight")
    assert.strictEqual(watermark.add({ topic: "t", partition: 0, from: a.from, through: 100, start: a.start })?.offset, "200")
  })

  it("after a join a partition starts again from whatever offset kafkajs reads (its committed one)", () => {
    const cursor = new KafkaBatchCursor()
    cursor.joined()
    const a = cursor.begin("p0", 0)
    cursor.handed("p0", a.join, 99)
    cursor.joined()
    const b = cursor.begin("p0", 40)
    assert.deepStrictEqual({ from: b.from, start: b.start }, { from: 40, start: true })
  })

  it("a run handed over after a join it was not begun under leaves the chain as the join left it", () => {
    const cursor = new KafkaBatchCursor()
    cursor.joined()
    const stale = cursor.begin("p0", 0)
    cursor.joined()
    cursor.handed("p0", stale.join, 99)
    assert.deepStrictEqual(cursor.begin("p0", 20), { from: 20, start: true, join: 2 })
  })
})
