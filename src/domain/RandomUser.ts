import { Schema, SchemaTransformation } from "effect"

/** `location.postcode` is a number for some nationalities and a string for others; always a string once decoded. */
export const PostCode = Schema.Union([Schema.String, Schema.Finite]).pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transform({ decode: (code) => String(code), encode: (code) => code })
  )
)

const Uuid = Schema.String.check(Schema.isUUID())

/** An ISO-8601 date-time string (what the API gives and what Cassandra's `timestamp` column accepts). */
export const IsoDateTime = Schema.String.check(
  Schema.makeFilter((s) => !Number.isNaN(Date.parse(s)), { expected: "an ISO-8601 date-time" })
)

const Dated = Schema.Struct({ date: IsoDateTime, age: Schema.optional(Schema.Finite) })

/** One user of the randomuser.me API v1.4, with the fields the pipeline uses. */
export const RawUser = Schema.Struct({
  gender: Schema.String,
  name: Schema.Struct({ title: Schema.optional(Schema.String), first: Schema.String, last: Schema.String }),
  location: Schema.Struct({
    street: Schema.Struct({ number: Schema.Union([Schema.Finite, Schema.String]), name: Schema.String }),
    city: Schema.String,
    state: Schema.String,
    country: Schema.String,
    postcode: PostCode
  }),
  email: Schema.String,
  login: Schema.Struct({ uuid: Uuid, username: Schema.String }),
  dob: Dated,
  registered: Dated,
  phone: Schema.String,
  id: Schema.optional(Schema.Struct({ name: Schema.NullOr(Schema.String), value: Schema.NullOr(Schema.String) })),
  picture: Schema.Struct({ medium: Schema.String }),
  nat: Schema.optional(Schema.String)
})
export type RawUser = typeof RawUser.Type

/** A page as the API sends it; users stay unknown so that one bad user does not sink the page. */
export const UsersPage = Schema.Struct({
  results: Schema.Array(Schema.Unknown),
  info: Schema.Struct({
    seed: Schema.String,
    results: Schema.Finite,
    page: Schema.Finite,
    version: Schema.optional(Schema.String)
  })
})
export type UsersPage = typeof UsersPage.Type

/** The API's in-band failure: HTTP 200 with `{ "error": "Uh oh, something has gone wrong…" }`. */
export const ApiErrorBody = Schema.Struct({ error: Schema.String })

/** Either a page or the in-band error. */
export const ApiResponse = Schema.Union([ApiErrorBody, UsersPage])
export type ApiResponse = typeof ApiResponse.Type
