import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { retryAfterFailure, retrySchedule } from "../../src/programs/Retry.ts"

interface Failure {
  readonly retryable: boolean
}

/** An effect that fails with `failures` first (one per run), then succeeds; it records when each run started. */
const scripted = (failures: Array<Failure>) => {
  const runs: Array<number> = []
  const effect = Effect.gen(function*() {
    runs.push(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
    const failure = failures.shift()
    if (failure) return yield* Effect.fail(failure)
    return "done" as const
  })
  return { effect, runs }
}

const schedule = retrySchedule<Failure>({ base: "100 millis", cap: "1 second", maxRetries: 3 })

describe("retrySchedule", () => {
  it.effect("waits whole milliseconds, so an --every schedule after a retried run keeps its ticks", () =>
    Effect.gen(function*() {
      // Jittered delays have fractions; a run that ends at a fraction of a millisecond used to make
      // Schedule.fixed fire back to back at its boundary (ingest.test.ts "--every: a run whose retries run out…", flaky).
      const failures = Array.from({ length: 200 }, () => ({ retryable: true }))
      const { effect, runs } = scripted(failures)
      const many = retrySchedule<Failure>({ base: "7 millis", cap: "1 second", maxRetries: 200 })
      const fiber = yield* Effect.retry(effect, many).pipe(Effect.forkChild)
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(yield* Fiber.join(fiber), "done")
      assert.strictEqual(runs.length, 201)
      assert.deepStrictEqual(runs.filter((at) => !Number.isInteger(at)), [])
    }))
})

describe("retryAfterFailure", () => {
  it.effect("runs a succeeding effect once, without waiting", () =>
    Effect.gen(function*() {
      const { effect, runs } = scripted([])
      assert.strictEqual(yield* retryAfterFailure(effect, schedule), "done")
      assert.deepStrictEqual(runs, [0])
    }))

  it.effect("retries transient failures with the schedule's growing delays, then succeeds", () =>
    Effect.gen(function*() {
      const { effect, runs } = scripted([{ retryable: true }, { retryable: true }])
      const fiber = yield* retryAfterFailure(effect, schedule).pipe(Effect.forkChild)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Fiber.join(fiber), "done")
      assert.strictEqual(runs.length, 3)
      const [first, second] = [runs[1]! - runs[0]!, runs[2]! - runs[1]!]
      assert.isTrue(first > 0 && second > first, `delays ${first}, ${second}`)
    }))

  it.effect("sees the first failure like Effect.retry does: the same runs and delays", () =>
    Effect.gen(function*() {
      const spaced = Schedule.spaced("1 second").pipe(Schedule.upTo({ times: 2 }))
      const lazy = scripted([{ retryable: true }, { retryable: true }, { retryable: true }])
      const eager = scripted([{ retryable: true }, { retryable: true }, { retryable: true }])
      const fibers = yield* Effect.all([
        retryAfterFailure(lazy.effect, spaced).pipe(Effect.exit, Effect.forkChild),
        Effect.retry(eager.effect, spaced).pipe(Effect.exit, Effect.forkChild)
      ])
      yield* TestClock.adjust("10 seconds")
      const [lazyExit, eagerExit] = yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(lazy.runs, eager.runs)
      assert.deepStrictEqual(lazy.runs, [0, 1000, 2000])
      assert.isTrue(Exit.isFailure(lazyExit) && Exit.isFailure(eagerExit))
    }))

  it.effect("stops at once on a permanent failure", () =>
    Effect.gen(function*() {
      const { effect, runs } = scripted([{ retryable: false }, { retryable: true }])
      const exit = yield* retryAfterFailure(effect, schedule).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(runs, [0])
    }))
})
