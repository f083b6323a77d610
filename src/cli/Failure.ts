import { Cause, Predicate } from "effect"

/** One line saying why the program failed: the error's tag and message, without a stack. */
export const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const text = Predicate.hasProperty(error, "_tag") && Predicate.hasProperty(error, "message")
    ? `${String(error._tag)}: ${String(error.message)}`
    : error instanceof Error ? error.message : String(error)
  return `error: ${text.replace(/\s*\n\s*/g, " ")}`
}
