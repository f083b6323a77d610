import { Duration, Effect, Option, Schema, SchemaIssue, SchemaTransformation } from "effect"

/** A client-side budget: at most `users` users asked of the API per `window`. */
export interface UsersBudget {
  readonly users: number
  readonly window: Duration.Duration
}

const Pattern = /^\s*(\d+)\s*\/\s*(.+?)\s*$/

const parse = (text: string): Option.Option<UsersBudget> => {
  const match = Pattern.exec(text)
  if (match === null) return Option.none()
  const users = Number(match[1])
  return Duration.fromInput(match[2] as Duration.Input).pipe(
    Option.filter((window) => users >= 1 && Duration.isGreaterThan(window, Duration.zero) && Duration.isFinite(window)),
    Option.map((window) => ({ users, window }))
  )
}

/** `"20000/5 minutes"`: users per window, as randomuser.me's own limit is stated. */
export const UsersBudgetFromString = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Struct({ users: Schema.Int, window: Schema.Duration }),
    SchemaTransformation.transformEffect({
      decode: (text) =>
        Option.match(parse(text), {
          onNone: () =>
            Effect.fail(new SchemaIssue.InvalidValue({ message: `expected "<users>/<duration>" such as "20000/5 minutes", got ${JSON.stringify(text)}` }, text)),
          onSome: Effect.succeed
        }),
      encode: (budget) => Effect.succeed(`${budget.users}/${Duration.format(budget.window)}`)
    })
  )
)
