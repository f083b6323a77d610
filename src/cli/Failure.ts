import { Cause, Predicate } from "effect"

/** One line saying why the program failed: the error's tag and message, without a stack. */
export const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (Predicate.hasProperty(error, "_tag") && Predicate.hasProperty(error, "message")) {
    return `error: ${String(error._tag)}: ${String(error.message)}`
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`
}
