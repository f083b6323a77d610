import type { User } from "../src/domain/User.ts"
import { expectedUsers, MaxResults } from "../dev/fake-api/RandomUserGenerator.ts"

/** The benchmark's users: `count` valid users of the fake API's `seed`, pages of 5000 as `ingest` asks for them. */
export const users = (seed: string, count: number): Array<User> =>
  Array.from({ length: Math.ceil(count / MaxResults) }, (_, i) =>
    expectedUsers({ seed, page: i + 1, results: Math.min(MaxResults, count - i * MaxResults) })).flat()

/** What `ingest` publishes for a user: key, JSON value and the contract headers. */
export const record = (user: User) => ({
  key: user.id,
  value: JSON.stringify(user),
  headers: { "content-type": "application/json", "schema-version": "users.v1" }
})
