import { Context, Duration, Schema } from "effect"
import type { Effect } from "effect"
import { causeFields, messageOf } from "../domain/ErrorCause.ts"
import type { UsersPage } from "../domain/RandomUser.ts"

/** One request to the users API. */
export interface PageRequest {
  readonly results: number
  readonly page: number
  readonly seed: string | undefined
  /** Nationalities as `nat=` (normalized: `US,GB`); all of them when absent. */
  readonly nat?: string | undefined
}

const fields = { ...causeFields, status: Schema.optional(Schema.Int) }

/** The API could not answer now; trying again later can help (not before `retryAfter`, when the server said how long). */
export class HttpUsersUnavailable extends Schema.TaggedError<HttpUsersUnavailable>()("HttpUsersUnavailable", {
  ...fields,
  reason: Schema.Literals(["Timeout", "ServerError", "RateLimited", "ErrorBody", "MalformedBody", "UnexpectedPage", "Transport"]),
  retryAfterMillis: Schema.optional(Schema.Finite)
}) {
  override get message(): string {
    return messageOf(this.context, this.cause)
  }
  get retryable(): boolean {
    return true
  }
  /** How long the server asked us to wait (`Retry-After`, or the API's rate window). */
  get retryAfter(): Duration.Duration | undefined {
    return this.retryAfterMillis === undefined ? undefined : Duration.millis(this.retryAfterMillis)
  }
}

/** The API refused the request as asked (bad URL, 4xx): retrying the same request cannot help. */
export class HttpUsersRejected extends Schema.TaggedError<HttpUsersRejected>()("HttpUsersRejected", fields) {
  override get message(): string {
    return messageOf(this.context, this.cause)
  }
  get retryable(): boolean {
    return false
  }
}

export type HttpUsersError = HttpUsersUnavailable | HttpUsersRejected

export interface HttpUsersShape {
  /** Fetches one page of users; users are returned undecoded so that one bad user does not sink the page. */
  readonly fetchPage: (request: PageRequest) => Effect.Effect<UsersPage, HttpUsersError>
}

export class HttpUsers extends Context.Service<HttpUsers, HttpUsersShape>()(
  "users-pipeline/services/HttpUsers"
) {}
