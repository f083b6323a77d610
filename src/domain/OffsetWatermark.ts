/** A partition's committable position: the offset of the next message to read, as Kafka commits it. */
export interface CommitPosition {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

interface PartitionState {
  readonly topic: string
  readonly partition: number
  pending: Array<number>
  head: number
  readonly done: Set<number>
  committable: number | undefined
  committed: number | undefined
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`

/**
 * Per-partition contiguous watermark: an offset becomes committable only once it and every
 * earlier offset pulled from its partition are done (written or dead-lettered).
 * Offsets are tracked in pull order, so gaps in a partition's offsets are handled.
 */
export class OffsetWatermark {
  private readonly partitions = new Map<string, PartitionState>()

  /** Records that a message was pulled; messages of one partition must be tracked in offset order. */
  track(topic: string, partition: number, offset: number): void {
    const k = key(topic, partition)
    let state = this.partitions.get(k)
    if (state === undefined) {
      state = { topic, partition, pending: [], head: 0, done: new Set(), committable: undefined, committed: undefined }
      this.partitions.set(k, state)
    }
    state.pending.push(offset)
  }

  /** Marks a pulled message done and advances its partition's watermark as far as it is contiguous. */
  markDone(topic: string, partition: number, offset: number): void {
    const state = this.partitions.get(key(topic, partition))
    if (state === undefined) return
    state.done.add(offset)
    while (state.head < state.pending.length && state.done.delete(state.pending[state.head]!)) {
      state.committable = state.pending[state.head]! + 1
      state.head++
    }
    if (state.head > 1024 && state.head * 2 > state.pending.length) {
      state.pending = state.pending.slice(state.head)
      state.head = 0
    }
  }

  /** Positions that moved since the last call, to be committed now. */
  takeCommittable(): Array<CommitPosition> {
    const out: Array<CommitPosition> = []
    for (const state of this.partitions.values()) {
      if (state.committable !== undefined && state.committable !== state.committed) {
        state.committed = state.committable
        out.push({ topic: state.topic, partition: state.partition, offset: String(state.committable) })
      }
    }
    return out
  }

  /** Puts back positions whose commit failed, so the next attempt sends them again. */
  restore(positions: ReadonlyArray<CommitPosition>): void {
    for (const position of positions) {
      const state = this.partitions.get(key(position.topic, position.partition))
      if (state !== undefined && state.committed === Number(position.offset)) state.committed = undefined
    }
  }

  /** Forgets a partition (revoked in a rebalance): later marks for it are ignored. */
  forget(topic: string, partition: number): void {
    this.partitions.delete(key(topic, partition))
  }

  /** Messages pulled and not yet part of a committable prefix. */
  get inFlight(): number {
    let n = 0
    for (const state of this.partitions.values()) n += state.pending.length - state.head
    return n
  }
}
