/**
 * Where a redrive group stands in one dead-letter partition: every letter before `next` is settled (redriven, or kept
 * for good), and so are the `settledAhead` ones after it. Letters a filter passed over stay unsettled, so a later redrive
 * still sees them; the settled ones beyond them travel in the commit's metadata, so none is redriven twice.
 */
export interface RedriveCursor {
  readonly partition: number
  readonly next: number
  readonly settledAhead: ReadonlyArray<number>
}

const metadataPrefix = "redrive.v1:"

/** Most ranges of settled offsets one commit's metadata carries (Kafka's default metadata limit is 4096 bytes). */
export const maxSettledRanges = 150

const ranges = (offsets: ReadonlyArray<number>): Array<[number, number]> => {
  const result: Array<[number, number]> = []
  for (const offset of offsets) {
    const last = result[result.length - 1]
    if (last !== undefined && offset === last[1] + 1) last[1] = offset
    else result.push([offset, offset])
  }
  return result
}

const normalize = (partition: number, next: number, settled: Iterable<number>): RedriveCursor => {
  const ahead = new Set([...settled].filter((offset) => offset >= next))
  let position = next
  while (ahead.delete(position)) position++
  return { partition, next: position, settledAhead: [...ahead].sort((a, b) => a - b) }
}

/** The cursor a commit describes; a partition never committed starts at its first offset `low`. */
export const parseCursor = (partition: number, committed: number | null, metadata: string | null, low: number): RedriveCursor => {
  const next = Math.max(committed ?? low, low)
  const listed = metadata?.startsWith(metadataPrefix) ? metadata.slice(metadataPrefix.length) : ""
  const settled = listed.split(",").filter((part) => /^\d+(-\d+)?$/.test(part)).flatMap((part) => {
    const [from, to = from] = part.split("-").map(Number) as [number, number?]
    return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
  })
  return normalize(partition, next, settled)
}

/** Whether this group already settled the letter at `offset`. */
export const isSettled = (cursor: RedriveCursor, offset: number): boolean =>
  offset < cursor.next || cursor.settledAhead.includes(offset)

/** The cursor once the letters at `offsets` are settled too. */
export const settle = (cursor: RedriveCursor, offsets: Iterable<number>): RedriveCursor =>
  normalize(cursor.partition, cursor.next, [...cursor.settledAhead, ...offsets])

/** How many ranges of settled offsets the cursor's metadata lists. */
export const settledRanges = (cursor: RedriveCursor): number => ranges(cursor.settledAhead).length

/** The commit metadata that lists the settled offsets after `next`. */
export const cursorMetadata = (cursor: RedriveCursor): string =>
  metadataPrefix + ranges(cursor.settledAhead).map(([from, to]) => from === to ? `${from}` : `${from}-${to}`).join(",")
