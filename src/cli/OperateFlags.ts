import { Flag } from "effect/cli"

/** An off-by-default switch such as `--json` or `--dry-run`. */
export const switchFlag = (name: string, description: string) =>
  Flag.Boolean(name).pipe(Flag.withoutNegation, Flag.withDefault(false), Flag.withDescription(description))

/** `--json`: the command's result as one JSON document on stdout, for scripts. */
export const jsonFlag = switchFlag("json", "print the result as JSON (for scripts) instead of a table")
