import { Effect } from "effect"
import { linksOf, serviceOf, traceStart } from "../domain/JaegerTrace.ts"
import type { JaegerTrace } from "../domain/JaegerTrace.ts"
import type { LinkedSpan } from "../domain/TraceTree.ts"
import { JaegerQuery, TraceNotFound } from "../services/JaegerQuery.ts"

/** The services whose spans carry `user.id`: ingest's `create` starts a user's trace, stream's `process` continues it. */
export const userServices = ["users-ingest", "users-stream"] as const

/** The newest trace of a user: searched by the `user.id` tag in ingest's spans, then in stream's (a user produced by another program). */
export const userTrace = Effect.fn("traces.userTrace")(function*(userId: string) {
  const jaeger = yield* JaegerQuery
  for (const service of userServices) {
    const found = yield* jaeger.findTraces({ service, tags: { "user.id": userId }, limit: 20 })
    const newest = [...found].sort((a, b) => traceStart(b) - traceStart(a))[0]
    if (newest !== undefined) return yield* jaeger.getTrace(newest.traceID)
  }
  return yield* new TraceNotFound({
    context: `no trace of user ${userId} in Jaeger (not sampled, not exported yet, or past retention)`
  })
})

/** The spans a trace links to (the request that fetched a user), looked up in their own traces; those not found are left out. */
export const linkedSpans = Effect.fn("traces.linkedSpans")(function*(trace: JaegerTrace) {
  const jaeger = yield* JaegerQuery
  const traceIds = [...new Set(trace.spans.flatMap((span) => linksOf(span).map((link) => link.traceID)))]
  const linked = new Map<string, LinkedSpan>()
  for (const traceId of traceIds.slice(0, 10)) {
    const other = yield* jaeger.getTrace(traceId).pipe(Effect.option)
    if (other._tag === "None") continue
    for (const span of other.value.spans) {
      linked.set(span.spanID, { service: serviceOf(other.value, span), operation: span.operationName })
    }
  }
  return linked as ReadonlyMap<string, LinkedSpan>
})
