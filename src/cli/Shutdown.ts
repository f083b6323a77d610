import { Duration, Effect } from "effect"

/**
 * Bounds a graceful shutdown: once the program is interrupted (SIGINT/SIGTERM through
 * `NodeRuntime.runMain`), the process exits with code 1 if draining outlasts `deadline`,
 * and at once (code 130) on a second signal.
 */
export const boundShutdown = (deadline: Duration.Duration) =>
  Effect.onInterrupt(() =>
    Effect.sync(() => {
      const timer = setTimeout(() => {
        process.stderr.write(`shutdown took longer than ${Duration.format(deadline)}: exiting\n`)
        process.exit(1)
      }, Duration.toMillis(deadline))
      timer.unref()
      const force = () => process.exit(130)
      process.once("SIGINT", force)
      process.once("SIGTERM", force)
    })
  )
