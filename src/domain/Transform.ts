import { Array as Arr, Result, Schema } from "effect"
import { RawUser } from "./RandomUser.ts"
import type { User } from "./User.ts"

/** A user of a page that failed validation: counted and skipped, never a reason to drop the page. */
export interface InvalidUser {
  readonly index: number
  readonly message: string
}

/** The seed DAG's `format_data`, with `id` = `login.uuid` so re-ingesting a user is an idempotent upsert. */
export const toUser = (raw: RawUser): User => ({
  id: raw.login.uuid,
  first_name: raw.name.first,
  last_name: raw.name.last,
  gender: raw.gender,
  address: `${raw.location.street.number} ${raw.location.street.name}, ${raw.location.city}, ${raw.location.state}, ${raw.location.country}`,
  post_code: raw.location.postcode,
  email: raw.email,
  username: raw.login.username,
  dob: raw.dob.date,
  registered_date: raw.registered.date,
  phone: raw.phone,
  picture: raw.picture.medium
})

const decodeRawUser = Schema.decodeUnknownResult(RawUser)

/** Decodes and transforms every user of a page, keeping the valid ones and reporting the others. */
export const transformPage = (
  results: ReadonlyArray<unknown>
): { readonly users: ReadonlyArray<User>; readonly invalid: ReadonlyArray<InvalidUser> } => {
  const [users, invalid] = Arr.partition(results, (raw, index) =>
    Result.mapBoth(decodeRawUser(raw), {
      onSuccess: toUser,
      onFailure: (error): InvalidUser => ({ index, message: error.message })
    }))
  return { users, invalid }
}
