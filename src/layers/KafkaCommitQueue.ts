import type { CommitPosition } from "../domain/CommitWatermark.ts"

const key = (position: CommitPosition) => `${position.topic}\u0000${position.partition}`

/**
 * The consumer's offsets between the stream handing them over and Kafka acknowledging them: the newest position of each
 * partition waits here until it is sent (on an interval, at a rebalance, at shutdown). A commit never moves a group
 * back: nothing lower than an acknowledged position is sent, and a failed commit waits again only while it is still
 * the newest position handed over (a newer one, waiting or already sent, supersedes it).
 */
export class KafkaCommitQueue {
  /** Positions handed over, not yet sent, by partition. */
  private readonly waiting = new Map<string, CommitPosition>()
  /** The newest position handed over, by partition (the stream's positions only grow). */
  private readonly newest = new Map<string, number>()
  /** The highest position Kafka acknowledged, by partition. */
  private readonly acknowledged = new Map<string, number>()

  /** Whether this member holds the position's partition now: another member's are not kept. */
  private readonly assigned: (position: CommitPosition) => boolean

  constructor(assigned: (position: CommitPosition) => boolean) {
    this.assigned = assigned
  }

  /** The stream handed these positions over. */
  hand(positions: ReadonlyArray<CommitPosition>): void {
    for (const position of positions) {
      const k = key(position)
      this.newest.set(k, Math.max(this.newest.get(k) ?? -1, Number(position.offset)))
      if (this.assigned(position)) this.waiting.set(k, position)
    }
  }

  /** Takes the waiting positions (those `keep` accepts; the others are dropped) to send, leaving none waiting. */
  take(keep: (position: CommitPosition) => boolean = () => true): ReadonlyArray<CommitPosition> {
    const positions = [...this.waiting.values()].filter(keep)
    this.waiting.clear()
    return positions
  }

  /** Of positions about to be sent, those above what Kafka acknowledged for their partition. */
  fresh(positions: ReadonlyArray<CommitPosition>): ReadonlyArray<CommitPosition> {
    return positions.filter((position) => Number(position.offset) > (this.acknowledged.get(key(position)) ?? -1))
  }

  /** Kafka acknowledged these positions. */
  acknowledge(positions: ReadonlyArray<CommitPosition>): void {
    for (const position of positions) {
      const k = key(position)
      this.acknowledged.set(k, Math.max(this.acknowledged.get(k) ?? -1, Number(position.offset)))
    }
  }

  /** Sending these positions failed: each waits again, unless a newer one was handed over meanwhile. */
  failed(positions: ReadonlyArray<CommitPosition>): void {
    for (const position of positions) {
      const k = key(position)
      if (!this.waiting.has(k) && this.newest.get(k) === Number(position.offset) && this.assigned(position)) this.waiting.set(k, position)
    }
  }
}
