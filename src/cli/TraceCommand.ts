import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { renderTraceTree } from "../domain/TraceTree.ts"
import { layer as JaegerQueryLive } from "../layers/JaegerQuery.ts"
import { linkedSpans, userTrace } from "../programs/traces.ts"
import { JaegerQuery } from "../services/JaegerQuery.ts"
import { InvalidOptions } from "./Flags.ts"

const flags = {
  userId: Argument.String("user-id").pipe(Argument.withDescription("the user whose journey to show (its `user.id` tag)"), Argument.optional),
  traceId: Flag.String("trace-id").pipe(Flag.withDescription("show this trace instead of searching by user"), Flag.optional)
}

/** `trace`: one user's journey (or one trace) from Jaeger's query API at `JAEGER_QUERY_URL`, as an indented tree. */
export const traceCommand = Command.make("trace", flags, ({ traceId, userId }) =>
  Effect.gen(function*() {
    const jaeger = yield* JaegerQuery
    const trace = Option.isSome(traceId)
      ? yield* jaeger.getTrace(traceId.value)
      : Option.isSome(userId)
      ? yield* userTrace(userId.value)
      : yield* new InvalidOptions({ message: "give a user id or --trace-id" })
    const linked = yield* linkedSpans(trace)
    yield* Console.log(renderTraceTree(trace, linked).join("\n"))
  }).pipe(Effect.provide(JaegerQueryLive))).pipe(
    Command.withDescription("Show a user's trace (create → process → write, across both services) from Jaeger [env JAEGER_QUERY_URL]")
  )
