import { Predicate, Schema } from "effect"

/** The fields every service error has: what was being done, and the failure underneath when there is one. */
export const causeFields = { context: Schema.String, cause: Schema.optional(Schema.Defect()) }

/** An underlying failure's own message (its text when it is not an error). */
export const causeMessage = (cause: unknown): string =>
  Predicate.hasProperty(cause, "message") ? String(cause.message) : String(cause)

/**
 * A service error's message: what was being done, then what went wrong underneath (`describe` says that, by default its
 * message). The context alone when there is no cause; the cause alone when the context is empty.
 */
export const messageOf = (context: string, cause: unknown, describe: (cause: unknown) => string = causeMessage): string =>
  cause === undefined ? context : context === "" ? describe(cause) : `${context}: ${describe(cause)}`
