import { Effect, Layer } from "effect"
import type { UsersPage } from "../domain/RandomUser.ts"
import { HttpUsers } from "../services/HttpUsers.ts"
import type { PageRequest, HttpUsersError } from "../services/HttpUsers.ts"

/** Serves pages from a function of the request: return a page, fail to inject API errors, sleep to inject latency. */
export const layer = (respond: (request: PageRequest) => Effect.Effect<UsersPage, HttpUsersError>) =>
  Layer.succeed(HttpUsers, HttpUsers.of({ fetchPage: Effect.fn("HttpUsers.fetchPage")(respond) }))
