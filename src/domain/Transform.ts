import { Array as Arr, Result, Schema } from "effect"
import { RawUser } from "./RandomUser.ts"
import type { User } from "./User.ts"
import { userId } from "./UserId.ts"

/** A user of a page that failed validation: counted and skipped, never a reason to drop the page. */
export interface InvalidUser {
  readonly index: number
  readonly message: string
}

const text = (value: string | number): string => String(value).trim()

/**
 * The seed DAG's `format_data`, every text trimmed (the API's values carry stray spaces), with `id` derived from
 * `login.uuid`, the user's nationality and the `nat=` list asked for (`requestedNats`, normalized; `""` for all).
 */
export const toUser = (raw: RawUser, requestedNats: string): User => {
  const { city, country, postcode, state, street } = raw.location
  return {
    id: userId(raw.login.uuid, raw.nat ?? "", requestedNats),
    first_name: text(raw.name.first),
    last_name: text(raw.name.last),
    gender: text(raw.gender),
    address: `${text(street.number)} ${text(street.name)}, ${text(city)}, ${text(state)}, ${text(country)}`,
    post_code: text(postcode),
    email: text(raw.email),
    username: text(raw.login.username),
    dob: text(raw.dob.date),
    registered_date: text(raw.registered.date),
    phone: text(raw.phone),
    picture: text(raw.picture.medium)
  }
}

const decodeRawUser = Schema.decodeUnknownResult(RawUser)

/** Decodes and transforms every user of a page asked with `requestedNats`, keeping the valid ones and reporting the others. */
export const transformPage = (
  results: ReadonlyArray<unknown>,
  requestedNats: string
): { readonly users: ReadonlyArray<User>; readonly invalid: ReadonlyArray<InvalidUser> } => {
  const [users, invalid] = Arr.partition(results, (raw, index) =>
    Result.mapBoth(decodeRawUser(raw), {
      onSuccess: (user) => toUser(user, requestedNats),
      onFailure: (error): InvalidUser => ({ index, message: error.message })
    }))
  return { users, invalid }
}
