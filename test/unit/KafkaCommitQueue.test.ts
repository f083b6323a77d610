import { assert, describe, it } from "@effect/vitest"
import type { CommitPosition } from "../../src/domain/CommitWatermark.ts"
import { KafkaCommitQueue } from "../../src/layers/KafkaCommitQueue.ts"

const at = (offset: number, partition = 0): CommitPosition => ({ topic: "t", partition, offset: String(offset) })
const offsets = (positions: ReadonlyArray<CommitPosition>) => positions.map((p) => `${p.partition}@${p.offset}`)

describe("KafkaCommitQueue", () => {
  it("keeps each partition's newest position until it is taken", () => {
    const queue = new KafkaCommitQueue(() => true)
    queue.hand([at(10), at(5, 1)])
    queue.hand([at(20)])
    assert.deepStrictEqual(offsets(queue.take()), ["0@20", "1@5"])
    assert.deepStrictEqual(queue.take(), [], "taken once")
  })

  it("a failed commit waits again while it is the newest position, and gives way to a newer one waiting or already sent", () => {
    const queue = new KafkaCommitQueue(() => true)
    queue.hand([at(10)])
    const first = queue.take()
    queue.failed(first)
    assert.deepStrictEqual(offsets(queue.take()), ["0@10"], "sent again")

    queue.hand([at(20)])
    const older = queue.take() // 20 on its way…
    queue.hand([at(30)])
    const newer = queue.take() // …and 30 sent after it
    queue.failed(older)
    assert.deepStrictEqual(queue.take(), [], "20 failing after 30 was sent must not be sent again: it would move the group back")
    queue.acknowledge(newer)
    assert.deepStrictEqual(offsets(queue.fresh([at(20), at(30), at(31)])), ["0@31"], "nothing at or below an acknowledged position is sent")
  })

  it("does not keep the positions of partitions this member no longer holds", () => {
    let held = new Set([0, 1])
    const queue = new KafkaCommitQueue((p) => held.has(p.partition))
    queue.hand([at(10, 0), at(10, 1)])
    held = new Set([0])
    assert.deepStrictEqual(offsets(queue.take((p) => held.has(p.partition))), ["0@10"], "a join keeps only what it still holds")
    const sent = [at(11, 0), at(11, 1)]
    queue.hand(sent)
    queue.take()
    queue.failed(sent)
    assert.deepStrictEqual(offsets(queue.take()), ["0@11"])
  })
})
