import { Duration, Effect, Schedule } from "effect"

/** Exponential backoff with jitter, each delay capped; `maxRetries` undefined retries for as long as it takes. */
export interface RetryPolicy {
  readonly base: Duration.Input
  readonly cap: Duration.Input
  readonly maxRetries: number | undefined
}

/**
 * A retry schedule that stops at once on an error that says a retry cannot help (`retryable`), and never waits less
 * than the `retryAfter` the server asked for.
 * Its delays are whole milliseconds: jitter gives fractions, and a clock that then stands at a fraction of a
 * millisecond makes `Schedule.fixed` (ingest's `--every`) fire again and again at its boundary (seen on a TestClock).
 */
export const retrySchedule = <E extends { readonly retryable: boolean; readonly retryAfter?: Duration.Duration | undefined }>(
  policy: RetryPolicy
) =>
  Schedule.min([Schedule.exponential(policy.base), Schedule.spaced(policy.cap)]).pipe(
    Schedule.jittered,
    Schedule.upTo({ times: policy.maxRetries }),
    Schedule.setInputType<E>(),
    Schedule.while(({ input }) => input.retryable),
    Schedule.modifyDelay(({ duration, input }) => {
      const retryAfter = input.retryAfter
      const delay = retryAfter !== undefined ? Duration.max(duration, retryAfter) : duration
      return Effect.succeed(Duration.millis(Math.round(Duration.toMillis(delay))))
    })
  )

/**
 * `Effect.retry(effect, schedule)` with the schedule set up only after a first failure, which it then sees
 * like any other: same delays, same stop. In a per-message hot loop the common first-try success pays nothing for it.
 * `onFailure` runs once, at the first failure; when `stop` completes first, the retrying ends with its value
 * (an attempt in flight is interrupted, so an uninterruptible one finishes first).
 */
export const retryAfterFailure = <A, E, R, X, R2, S = never>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<X, E, never, R2>,
  options?: RetryOptions<S>
): Effect.Effect<A | S, E, R | R2> => Effect.catch(effect, (first) => retryFrom(first, effect, schedule, options))

export interface RetryOptions<S> {
  /** Runs once, at the first failure. */
  readonly onFailure?: Effect.Effect<void>
  /** When it completes first, the retrying ends with its value. */
  readonly stop?: Effect.Effect<S>
}

/**
 * Retries `effect` as though its attempt had just failed with `failure` (one made elsewhere, e.g. a row of a bulk write):
 * the schedule sees that failure first, then the attempts' own.
 */
export const retryFrom = <A, E, R, X, R2, S = never>(
  failure: E,
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<X, E, never, R2>,
  options?: RetryOptions<S>
): Effect.Effect<A | S, E, R | R2> => {
  let replayed = false
  const again = Effect.suspend(() => replayed ? effect : ((replayed = true), Effect.fail(failure)))
  const retrying = options?.stop === undefined ? Effect.retry(again, schedule) : Effect.raceFirst(Effect.retry(again, schedule), options.stop)
  return options?.onFailure === undefined ? retrying : Effect.andThen(options.onFailure, retrying)
}
