import { Schema, SchemaTransformation } from "effect"

/** `location.postcode` is a number for some nationalities and a string for others; always a string once decoded. */
export const PostCode = Schema.Union([Schema.String, Schema.Finite]).pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transform({ decode: (code) => String(code), encode: (code) => code })
  )
)

const Uuid = Schema.String.check(Schema.isUUID())

const IsoDate = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/

/** Whether a text starts with a calendar date that exists (`2020-02-29` does, `2020-02-30` does not) and parses as a date-time. */
export const isIsoDateTime = (text: string): boolean => {
  const match = IsoDate.exec(text)
  if (match === null || Number.isNaN(Date.parse(text))) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  return days !== undefined && day >= 1 && day <= days
}

/** randomuser.me serves pages 1..10,000 of a seed; it answers a higher page with page 1. */
export const MaxPage = 10_000

/**
 * The page of an ingest's n-th request (from 1): with a seed, n while the seed has pages (`undefined` after them);
 * without one the API draws a fresh seed per request, so the page only has to stay within 1..10,000.
 */
export const pageOfRequest = (n: number, seeded: boolean): number | undefined =>
  !seeded ? ((n - 1) % MaxPage) + 1 : n <= MaxPage ? n : undefined

/** An ISO-8601 date-time string on a real calendar day (what the API gives and what Cassandra's `timestamp` column accepts). */
export const IsoDateTime = Schema.String.check(
  Schema.makeFilter(isIsoDateTime, { expected: "an ISO-8601 date-time on a real calendar day" })
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
