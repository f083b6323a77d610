import { assert, describe, it } from "@effect/vitest"
import { DeadLetterHeader, deadLetterInfo, redrivenHeaders } from "../../src/domain/DeadLetter.ts"
import { cursorMetadata, maxSettledRanges, parseCursor, settle } from "../../src/domain/RedriveCursor.ts"
import { planRedrive } from "../../src/domain/RedrivePlan.ts"
import type { RedriveOptions } from "../../src/domain/RedrivePlan.ts"

const letter = (offset: number, errorType: string, extra: { failedAt?: string; redrives?: number; partition?: number } = {}) => ({
  partition: extra.partition ?? 0,
  offset,
  info: deadLetterInfo({
    [DeadLetterHeader.errorType]: errorType,
    [DeadLetterHeader.failedAt]: extra.failedAt ?? "2026-12-01T10:00:00.000Z",
    ...(extra.redrives === undefined ? {} : { [DeadLetterHeader.redriveCount]: String(extra.redrives) })
  })
})

const all: RedriveOptions = { errorType: undefined, since: undefined, max: undefined, maxRedrives: 3 }
const offsets = (letters: ReadonlyArray<{ readonly offset: number }>) => letters.map((l) => l.offset)

describe("RedriveCursor", () => {
  it("starts a never-committed partition at its first offset, and never before it", () => {
    assert.deepStrictEqual(parseCursor(0, null, null, 5), { partition: 0, next: 5, settledAhead: [] })
    assert.deepStrictEqual(parseCursor(0, 2, "", 5), { partition: 0, next: 5, settledAhead: [] })
  })

  it("moves the committed offset over contiguous settled letters and lists the others in the metadata", () => {
    const cursor = settle(parseCursor(1, 10, null, 0), [10, 11, 13, 14, 15, 18])
    assert.deepStrictEqual(cursor, { partition: 1, next: 12, settledAhead: [13, 14, 15, 18] })
    assert.strictEqual(cursorMetadata(cursor), "redrive.v1:13-15,18")
    assert.deepStrictEqual(parseCursor(1, 12, cursorMetadata(cursor), 0), cursor)
    assert.deepStrictEqual(settle(cursor, [12]), { partition: 1, next: 16, settledAhead: [18] })
  })

  it("ignores metadata it did not write", () => {
    assert.deepStrictEqual(parseCursor(0, 3, "some other tool", 0), { partition: 0, next: 3, settledAhead: [] })
  })
})

describe("planRedrive", () => {
  const cursor = parseCursor(0, null, null, 0)

  it("redrives every unsettled letter and commits past them", () => {
    const plan = planRedrive([letter(0, "SchemaMismatch"), letter(1, "NotJson")], [cursor], all)
    assert.deepStrictEqual(offsets(plan.redrive), [0, 1])
    assert.deepStrictEqual(plan.cursors, [{ partition: 0, next: 2, settledAhead: [] }])
  })

  it("never redrives a letter the group settled before", () => {
    const settled = settle(cursor, [0, 2])
    const plan = planRedrive([letter(0, "SchemaMismatch"), letter(1, "SchemaMismatch"), letter(2, "SchemaMismatch")], [settled], all)
    assert.deepStrictEqual(offsets(plan.redrive), [1])
    assert.deepStrictEqual(plan.cursors, [{ partition: 0, next: 3, settledAhead: [] }])
  })

  it("leaves letters of another error type for a later run, remembering the redriven ones after them", () => {
    const plan = planRedrive([letter(0, "NotJson"), letter(1, "SchemaMismatch"), letter(2, "SchemaMismatch")], [cursor], {
      ...all,
      errorType: "SchemaMismatch"
    })
    assert.deepStrictEqual(offsets(plan.redrive), [1, 2])
    assert.deepStrictEqual(offsets(plan.left), [0])
    assert.deepStrictEqual(plan.cursors, [{ partition: 0, next: 0, settledAhead: [1, 2] }])
    const later = planRedrive([letter(0, "NotJson"), letter(1, "SchemaMismatch"), letter(2, "SchemaMismatch")], plan.cursors, all)
    assert.deepStrictEqual(offsets(later.redrive), [0])
    assert.deepStrictEqual(later.cursors, [{ partition: 0, next: 3, settledAhead: [] }])
  })

  it("selects by failure time with --since", () => {
    const plan = planRedrive(
      [letter(0, "SchemaMismatch", { failedAt: "2026-12-01T09:59:59.999Z" }), letter(1, "SchemaMismatch", { failedAt: "2026-12-01T10:00:00.000Z" })],
      [cursor],
      { ...all, since: new Date("2026-12-01T10:00:00.000Z") }
    )
    assert.deepStrictEqual(offsets(plan.redrive), [1])
    assert.deepStrictEqual(offsets(plan.left), [0])
  })

  it("keeps a letter redriven --max-redrives times in the topic for good", () => {
    const plan = planRedrive([letter(0, "SchemaMismatch", { redrives: 3 }), letter(1, "SchemaMismatch", { redrives: 2 })], [cursor], all)
    assert.deepStrictEqual(offsets(plan.kept), [0])
    assert.deepStrictEqual(offsets(plan.redrive), [1])
    assert.strictEqual(plan.cursors[0]!.next, 2)
  })

  it("redrives at most --max letters and leaves the rest for the next run", () => {
    const letters = [0, 1, 2, 3].map((o) => letter(o, "SchemaMismatch"))
    const plan = planRedrive(letters, [cursor], { ...all, max: 3 })
    assert.deepStrictEqual(offsets(plan.redrive), [0, 1, 2])
    assert.deepStrictEqual(offsets(plan.left), [3])
    assert.strictEqual(plan.cursors[0]!.next, 3)
  })

  it("works partition by partition", () => {
    const plan = planRedrive([letter(0, "A", { partition: 1 }), letter(0, "A", { partition: 0 })], [cursor, parseCursor(1, null, null, 0)], all)
    assert.deepStrictEqual(plan.cursors.map((c) => [c.partition, c.next]), [[0, 1], [1, 1]])
  })

  it("stops settling a partition once its metadata would list too many ranges", () => {
    const letters = Array.from({ length: 2 * maxSettledRanges + 10 }, (_, o) => letter(o, o % 2 === 0 ? "NotJson" : "SchemaMismatch"))
    const plan = planRedrive(letters, [cursor], { ...all, errorType: "SchemaMismatch" })
    assert.strictEqual(plan.redrive.length, maxSettledRanges)
    assert.isAtMost(cursorMetadata(plan.cursors[0]!).length, 4096)
  })
})

describe("redrivenHeaders", () => {
  it("keeps the original headers, drops the dlq-* ones and counts the redrive", () => {
    const headers = { traceparent: "00-abc-def-01", "schema-version": "users.v1", [DeadLetterHeader.errorType]: "SchemaMismatch" }
    assert.deepStrictEqual(redrivenHeaders(headers), { traceparent: "00-abc-def-01", "schema-version": "users.v1", "dlq-redrive-count": "1" })
    assert.strictEqual(redrivenHeaders({ ...headers, [DeadLetterHeader.redriveCount]: "2" })["dlq-redrive-count"], "3")
  })
})
