import { Effect, Result, Schema, SchemaIssue, SchemaTransformation } from "effect"

/** The nationalities randomuser.me v1.4 generates; any other code makes it silently serve all of them. */
export const Nationalities = [
  "AU", "BR", "CA", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE",
  "IN", "IR", "MX", "NL", "NO", "NZ", "RS", "TR", "UA", "US"
] as const
export type Nationality = typeof Nationalities[number]

const known: ReadonlySet<string> = new Set(Nationalities)

/**
 * A `nat=` list as the API must be sent it: codes trimmed, upper-cased, comma-joined (`" us, GB "` → `"US,GB"`);
 * fails with what is wrong when a code is not one of the 21 (the API would silently serve every nationality).
 */
export const normalizeNats = (text: string): Result.Result<string, string> => {
  const codes = text.split(",").map((code) => code.trim().toUpperCase())
  const unknown = codes.filter((code) => !known.has(code))
  if (unknown.length > 0) {
    return Result.fail(
      `${unknown.map((code) => JSON.stringify(code)).join(", ")} not among the v1.4 nationalities ${Nationalities.join(" ")}`
    )
  }
  return Result.succeed(codes.join(","))
}

/** A `nat=` list (`" us, GB "`), decoded to its normalized form (`"US,GB"`); an unknown code is an invalid value. */
export const NatList = Schema.String.pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transformEffect({
      decode: (text) =>
        Result.match(normalizeNats(text), {
          onFailure: (message) => Effect.fail(new SchemaIssue.InvalidValue({ message }, text)),
          onSuccess: Effect.succeed
        }),
      encode: Effect.succeed
    })
  )
)
