import { Effect } from "effect"
import { redrivenHeaders } from "../domain/DeadLetter.ts"
import { planRedrive } from "../domain/RedrivePlan.ts"
import type { RedriveOptions } from "../domain/RedrivePlan.ts"
import { DeadLetterQueue } from "../services/DeadLetterQueue.ts"
import type { DeadLetter } from "../services/DeadLetterQueue.ts"
import { KafkaProducer } from "../services/KafkaProducer.ts"

export interface RedriveRun extends RedriveOptions {
  /** The redrive's own consumer group on the dead-letter topic. */
  readonly groupId: string
  /** Where a letter without `dlq-source-topic` goes back to. */
  readonly defaultTopic: string
  /** Plan only: publish nothing, commit nothing. */
  readonly dryRun: boolean
}

/** One letter as the redrive reports it. */
export interface LetterRef {
  readonly partition: number
  readonly offset: number
  readonly errorType: string | null
  readonly redriveCount: number
  readonly target: string
}

export interface RedriveSummary {
  readonly dryRun: boolean
  readonly groupId: string
  /** Letters the group had not settled before the run. */
  readonly pending: number
  readonly redriven: ReadonlyArray<LetterRef>
  readonly kept: ReadonlyArray<LetterRef>
  readonly left: ReadonlyArray<LetterRef>
  /** The group's committed offset per dead-letter partition after the run. */
  readonly committed: ReadonlyArray<{ readonly partition: number; readonly offset: number; readonly settledAhead: number }>
}

const sendBatch = 500

/**
 * Redrives dead letters: reads what the redrive group has not settled, republishes the selected ones to their source
 * topic (original key, value and headers, plus `dlq-redrive-count`), and only once the broker acknowledged them commits
 * the group past every settled letter. A failure before the commit publishes some letters again on the next run
 * (the stream's upsert is idempotent), never skips one.
 */
export const redrive = Effect.fn("redrive")(function*(run: RedriveRun) {
  const dlq = yield* DeadLetterQueue
  const producer = yield* KafkaProducer
  const session = yield* dlq.openRedrive(run.groupId)
  const plan = planRedrive(session.letters, session.cursors, run)
  const targetOf = (letter: DeadLetter) => letter.info.sourceTopic ?? run.defaultTopic
  if (!run.dryRun) {
    const topics = [...new Set(plan.redrive.map(targetOf))]
    for (const topic of topics) {
      const letters = plan.redrive.filter((letter) => targetOf(letter) === topic)
      for (let i = 0; i < letters.length; i += sendBatch) {
        yield* producer.send(topic, letters.slice(i, i + sendBatch).map((letter) => ({
          key: letter.key,
          value: letter.value,
          headers: redrivenHeaders(letter.headers)
        })))
      }
    }
    if (plan.redrive.length + plan.kept.length > 0) yield* session.commit(plan.cursors)
    yield* Effect.logInfo(`redrove ${plan.redrive.length} dead letter(s); ${plan.kept.length} kept, ${plan.left.length} left`)
  }
  const ref = (letter: DeadLetter): LetterRef => ({
    partition: letter.partition,
    offset: letter.offset,
    errorType: letter.info.errorType ?? null,
    redriveCount: letter.info.redriveCount,
    target: targetOf(letter)
  })
  const cursors = run.dryRun ? session.cursors : plan.cursors
  return {
    dryRun: run.dryRun,
    groupId: run.groupId,
    pending: plan.redrive.length + plan.kept.length + plan.left.length,
    redriven: plan.redrive.map(ref),
    kept: plan.kept.map(ref),
    left: plan.left.map(ref),
    committed: cursors.map((c) => ({ partition: c.partition, offset: c.next, settledAhead: c.settledAhead.length }))
  } satisfies RedriveSummary
}, Effect.scoped)
