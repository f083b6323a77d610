import { Config, Cron, Duration, Effect, Schema } from "effect"
import { NatList } from "../domain/Nationality.ts"
import { PositiveInt } from "../domain/PositiveInt.ts"
import { Flag } from "effect/cli"

/** Flags that cannot be used together, or a value no flag schema can express. */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>()("InvalidOptions", {
  message: Schema.String
}) {}

const boundedInt = (max: number | undefined) =>
  max === undefined ? PositiveInt : Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: max }))

const described = (description: string, env: string, fallback?: unknown) => <A>(self: Flag.Flag<A>) =>
  Flag.withDescription(self, `${description} [env ${env}${fallback === undefined ? "" : `, default ${String(fallback)}`}]`)

/** A positive integer flag (at most `max`) that falls back to an environment variable, then to a default. */
export const positiveInt = (
  name: string,
  env: string,
  fallback: number,
  description: string,
  max?: number
) =>
  Flag.Int(name).pipe(
    Flag.withSchema(boundedInt(max)),
    described(description, env, fallback),
    Flag.withFallbackConfig(Config.schema(boundedInt(max), env).pipe(Config.withDefault(fallback)))
  )

/** A duration flag ("500 millis", "10 seconds", "5 minutes") that falls back to an environment variable, then to a default. */
export const duration = (name: string, env: string, fallback: Duration.Input, description: string) =>
  Flag.String(name).pipe(
    Flag.withSchema(Schema.DurationFromString),
    described(description, env, fallback),
    Flag.withFallbackConfig(Config.Duration(env).pipe(Config.withDefault(Duration.fromInputUnsafe(fallback))))
  )

/** An optional duration flag that falls back to an environment variable. */
export const optionalDuration = (name: string, env: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withSchema(Schema.DurationFromString),
    described(description, env),
    Flag.withFallbackConfig(Config.Duration(env)),
    Flag.optional
  )

/** An optional string flag that falls back to an environment variable. */
export const optionalString = (name: string, env: string, description: string) =>
  Flag.String(name).pipe(described(description, env), Flag.withFallbackConfig(Config.String(env)), Flag.optional)

/** An optional nationalities flag (`--nat us,gb`) that falls back to an environment variable. */
export const optionalNats = (name: string, env: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withSchema(NatList),
    described(description, env),
    Flag.withFallbackConfig(Config.schema(NatList, env)),
    Flag.optional
  )

/** Airflow's schedule presets, as cron expressions. */
const presets: Record<string, string> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *"
}

/** Parses a cron expression (five fields, or an Airflow preset such as `@daily`), in UTC. */
export const parseCron = (expression: string) =>
  Effect.fromResult(Cron.parse(presets[expression] ?? expression, "UTC")).pipe(
    Effect.mapError((error) => new InvalidOptions({ message: `--cron ${JSON.stringify(expression)}: ${error.message}` }))
  )
