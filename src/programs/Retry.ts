import { Duration, Effect, Schedule } from "effect"

/** Exponential backoff with jitter, each delay capped; `maxRetries` undefined retries for as long as it takes. */
export interface RetryPolicy {
  readonly base: Duration.Input
  readonly cap: Duration.Input
  readonly maxRetries: number | undefined
}

/** What a retry needs to know about an error: whether trying again can help, and how long the server asked us to wait. */
export interface RetryableError {
  readonly retryable: boolean
  readonly retryAfter?: Duration.Duration | undefined
}

/** A retry schedule that stops at once on a permanent error and never waits less than the server's `Retry-After`. */
export const retrySchedule = <E>(policy: RetryPolicy, classify: (error: E) => RetryableError) =>
  Schedule.min([Schedule.exponential(policy.base), Schedule.spaced(policy.cap)]).pipe(
    Schedule.jittered,
    Schedule.upTo({ times: policy.maxRetries }),
    Schedule.setInputType<E>(),
    Schedule.while(({ input }) => classify(input).retryable),
    Schedule.modifyDelay(({ duration, input }) => {
      const retryAfter = classify(input).retryAfter
      return Effect.succeed(retryAfter !== undefined ? Duration.max(duration, retryAfter) : duration)
    })
  )
