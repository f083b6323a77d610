/** A partition's committable position: the offset of the next message to read, as Kafka commits it. */
export interface CommitPosition {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

/** Offsets `[from, through)` of one partition whose messages are all handled (written or dead-lettered). */
export interface HandledRange {
  readonly topic: string
  readonly partition: number
  readonly from: number
  readonly through: number
  /** The range begins where this member started reading the partition: nothing before `from` is its to handle. */
  readonly start: boolean
}

interface PartitionState {
  /** Every offset below it is handled; undefined until the range this member started with is. */
  position: number | undefined
  /** Ranges that do not reach the position yet, by `from`: the `through` furthest seen. */
  readonly waiting: Map<number, number>
}

/**
 * The commit stage's state: from handled ranges that arrive in any order (batches are handled concurrently), the
 * offset up to which each partition is handled without a gap. A range moves the position only when it begins at
 * or before it; the others wait for the ranges between. So no position passes a message that is not handled.
 */
export class CommitWatermark {
  private readonly partitions = new Map<string, PartitionState>()

  /** Adds a handled range; returns its partition's position when the range moved it. */
  add(range: HandledRange): CommitPosition | undefined {
    const key = `${range.topic}\u0000${range.partition}`
    let state = this.partitions.get(key)
    if (state === undefined) {
      state = { position: undefined, waiting: new Map() }
      this.partitions.set(key, state)
    }
    const before = state.position
    if (range.start && (state.position === undefined || state.position < range.from)) state.position = range.from
    if (state.position === undefined || range.from > state.position) {
      state.waiting.set(range.from, Math.max(state.waiting.get(range.from) ?? range.through, range.through))
      return undefined
    }
    state.position = Math.max(state.position, range.through)
    for (let moved = true; moved;) {
      moved = false
      for (const [from, through] of state.waiting) {
        if (from > state.position) continue
        state.waiting.delete(from)
        if (through > state.position) {
          state.position = through
          moved = true
        }
      }
    }
    return state.position === before
      ? undefined
      : { topic: range.topic, partition: range.partition, offset: String(state.position) }
  }
}
