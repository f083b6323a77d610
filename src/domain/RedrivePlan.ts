import type { DeadLetterInfo } from "./DeadLetter.ts"
import { isSettled, maxSettledRanges, settle, settledRanges } from "./RedriveCursor.ts"
import type { RedriveCursor } from "./RedriveCursor.ts"

export interface RedriveOptions {
  /** Only letters of this `dlq-error-type`. */
  readonly errorType: string | undefined
  /** Only letters that failed at or after this time. */
  readonly since: Date | undefined
  /** Most letters republished by one run. */
  readonly max: number | undefined
  /** A letter already redriven this many times stays in the dead-letter topic for good. */
  readonly maxRedrives: number
}

export interface PlannedLetter {
  readonly partition: number
  readonly offset: number
  readonly info: DeadLetterInfo
}

/** What one run does: republish `redrive`, leave `kept` in the topic for good, pass `left` over for a later run. */
export interface RedrivePlan<L extends PlannedLetter> {
  readonly redrive: ReadonlyArray<L>
  readonly kept: ReadonlyArray<L>
  readonly left: ReadonlyArray<L>
  /** The cursors to commit once every `redrive` letter is republished. */
  readonly cursors: ReadonlyArray<RedriveCursor>
}

const selected = (info: DeadLetterInfo, options: RedriveOptions) =>
  (options.errorType === undefined || info.errorType === options.errorType) &&
  (options.since === undefined || (info.failedAt !== undefined && info.failedAt.getTime() >= options.since.getTime()))

/**
 * Decides, in offset order, each unsettled letter's fate: selected and under `maxRedrives` ⇒ redriven (up to `max`);
 * selected and at `maxRedrives` ⇒ kept; not selected, over `max`, or past what the commit metadata can list ⇒ left.
 */
export const planRedrive = <L extends PlannedLetter>(
  letters: ReadonlyArray<L>,
  cursors: ReadonlyArray<RedriveCursor>,
  options: RedriveOptions
): RedrivePlan<L> => {
  const byPartition = new Map(cursors.map((cursor) => [cursor.partition, cursor]))
  const redrive: Array<L> = []
  const kept: Array<L> = []
  const left: Array<L> = []
  const ordered = [...letters].sort((a, b) => a.partition - b.partition || a.offset - b.offset)
  for (const letter of ordered) {
    const cursor = byPartition.get(letter.partition)
    if (cursor === undefined || isSettled(cursor, letter.offset)) continue
    const wanted = selected(letter.info, options)
    const fate = !wanted ? "left" : letter.info.redriveCount >= options.maxRedrives ? "kept"
      : options.max !== undefined && redrive.length >= options.max ? "left" : "redrive"
    const next = fate === "left" ? cursor : settle(cursor, [letter.offset])
    if (fate === "left" || settledRanges(next) > maxSettledRanges) {
      left.push(letter)
      continue
    }
    byPartition.set(letter.partition, next)
    if (fate === "kept") kept.push(letter)
    else redrive.push(letter)
  }
  return { redrive, kept, left, cursors: [...byPartition.values()] }
}
