import { Effect, Random } from "effect"
import { TestClock } from "effect/testing"

/** `Schedule.jittered` with this Random scales every delay by exactly 1, so a whole number of milliseconds stays whole. */
const noJitter: Random.Random = { nextDoubleUnsafe: () => 0.5, nextIntUnsafe: () => 0 }

/**
 * Runs a test on a TestClock that waits up to a minute (not the default second) for a woken fiber to suspend
 * before it moves time on: on a loaded 2-core CI box a woken run can take longer, and time must not outrun it.
 * Retry jitter is off: after a jittered retry the TestClock sits at a fractional millisecond, where `Schedule.fixed`
 * (effect 4.1.0) can compute a next delay of about 1e-12 ms at a window boundary, which the TestClock does not wait
 * for; an `--every` schedule then ran back to back without time moving (runs=1382, "no page 10001"; about 1 run in 7).
 */
export const patiently = <A, E, R>(test: Effect.Effect<A, E, R>) =>
  Effect.provide(test, TestClock.layer({ warningDelay: "1 minute" })).pipe(Effect.provideService(Random.Random, noJitter))
