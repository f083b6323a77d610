import { Config, Effect, Option, References } from "effect"
import { Flag } from "effect/cli"

/** An off-by-default switch such as `--json` or `--dry-run`. */
export const switchFlag = (name: string, description: string) =>
  Flag.Boolean(name).pipe(Flag.withoutNegation, Flag.withDefault(false), Flag.withDescription(description))

/** `--json`: the command's result as one JSON document on stdout, for scripts. */
export const jsonFlag = switchFlag("json", "print the result as JSON (for scripts) instead of a table")

/** One-screen, read-only commands keep stderr to errors (kafkajs' retry warnings included) unless `LOG_LEVEL` is set. */
export const quietUnlessLogLevel = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | Config.ConfigError, R> =>
  Effect.flatMap(
    Config.option(Config.LogLevel("LOG_LEVEL")),
    Option.match({
      onSome: () => self,
      onNone: () => Effect.provideService(self, References.MinimumLogLevel, "Error")
    })
  )
