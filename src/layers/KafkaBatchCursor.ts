/**
 * Where the batches the consumer hands over begin, for the commit stage (`ConsumedBatch.from` / `start`).
 *
 * kafkajs reads a partition from its committed offset only after a GROUP_JOIN: the join's sync makes a new offset
 * manager. A rebalance whose join fails (a coordinator still loading the group, COORDINATOR_LOAD_IN_PROGRESS) sends
 * kafkajs back to its fetch loop with the old one, and it goes on from the last offset the consumer resolved. So a
 * batch is a `start` (the commit stage may move its position up to `from`) only when it is the partition's first since
 * a join; any other batch continues where the partition's previous one ended, whatever happened in between.
 */
export class KafkaBatchCursor {
  private joins = 0
  private readonly ends = new Map<string, { readonly join: number; readonly through: number }>()

  /** kafkajs joined the group: it reads every assigned partition from its committed offset again. */
  joined(): void {
    this.joins++
  }

  /** Where a run of messages whose first offset is `firstOffset` begins, and the join it is read after. */
  begin(partition: string, firstOffset: number): { readonly from: number; readonly start: boolean; readonly join: number } {
    const previous = this.ends.get(partition)
    return previous === undefined || previous.join !== this.joins
      ? { from: firstOffset, start: true, join: this.joins }
      : { from: previous.through, start: false, join: this.joins }
  }

  /** The run begun after `join` was handed over, up to and including `lastOffset`. */
  handed(partition: string, join: number, lastOffset: number): void {
    if (join === this.joins) this.ends.set(partition, { join, through: lastOffset + 1 })
  }
}
