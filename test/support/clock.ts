import { Effect } from "effect"
import { TestClock } from "effect/testing"

/**
 * Runs a test on a TestClock that waits up to a minute (not the default second) for a woken fiber to suspend
 * before it moves time on: on a loaded 2-core CI box a woken run can take longer, and time must not outrun it.
 */
export const patiently = <A, E, R>(test: Effect.Effect<A, E, R>) =>
  Effect.provide(test, TestClock.layer({ warningDelay: "1 minute" }))
