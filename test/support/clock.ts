import { Effect } from "effect"
import { TestClock } from "effect/testing"

/**
 * Runs a test on a TestClock that waits up to a minute (not the default second) for a woken fiber to suspend
 * before it moves time on, so that on a loaded 2-core CI box time cannot outrun a woken run.
 * (The `--every` test's real flake — runs=1382 — was fractional jitter delays making `Schedule.fixed` spin; see Retry.ts.)
 */
export const patiently = <A, E, R>(test: Effect.Effect<A, E, R>) =>
  Effect.provide(test, TestClock.layer({ warningDelay: "1 minute" }))
