import { RecordHeaders } from "../src/domain/User.ts"
import type { User } from "../src/domain/User.ts"
import { expectedRun } from "../dev/ingestPlan.ts"

/** The benchmark's users: the valid users of `count` from the fake API's `seed`, pages of 5000 as `ingest` asks for them. */
export const users = (seed: string, count: number): Array<User> => expectedRun({ seed, count })

/** What `ingest` publishes for a user: key, JSON value and the contract headers. */
export const record = (user: User) => ({
  key: user.id,
  value: JSON.stringify(user),
  headers: RecordHeaders
})
