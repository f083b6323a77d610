import { Context, Schema } from "effect"
import type { Effect } from "effect"
import type { UsersPage } from "../domain/RandomUser.ts"

/** One request to the users API. */
export interface PageRequest {
  readonly results: number
  readonly page: number
  readonly seed: string | undefined
  /** Nationalities as `nat=` (normalized: `US,GB`); all of them when absent. */
  readonly nat?: string | undefined
}

/** The API could not answer now; trying again later can help. */
export class HttpUsersUnavailable extends Schema.TaggedError<HttpUsersUnavailable>()("HttpUsersUnavailable", {
  reason: Schema.Literals(["Timeout", "ServerError", "RateLimited", "ErrorBody", "MalformedBody", "UnexpectedPage", "Transport"]),
  message: Schema.String,
  status: Schema.optional(Schema.Int),
  retryAfterMillis: Schema.optional(Schema.Finite)
}) {}

/** The API refused the request as asked (bad URL, 4xx): retrying the same request cannot help. */
export class HttpUsersRejected extends Schema.TaggedError<HttpUsersRejected>()("HttpUsersRejected", {
  message: Schema.String,
  status: Schema.optional(Schema.Int)
}) {}

export type HttpUsersError = HttpUsersUnavailable | HttpUsersRejected

export interface HttpUsersShape {
  /** Fetches one page of users; users are returned undecoded so that one bad user does not sink the page. */
  readonly fetchPage: (request: PageRequest) => Effect.Effect<UsersPage, HttpUsersError>
}

export class HttpUsers extends Context.Service<HttpUsers, HttpUsersShape>()(
  "users-pipeline/services/HttpUsers"
) {}
