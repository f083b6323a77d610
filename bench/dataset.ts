import { RecordHeaders } from "../src/domain/User.ts"
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base"
import type { Sampler } from "@opentelemetry/sdk-trace-base"
import { SpanKind } from "@opentelemetry/api"
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

/**
 * What `ingest` publishes for a user with tracing on: the record plus the `traceparent` of its `create` span, started as
 * a new root by the SDK's tracer with `sampler` (ingest's own: its sampled flag is the sampler's decision). No span is
 * exported.
 */
export const tracedRecord = (sampler: Sampler) => {
  const tracer = new BasicTracerProvider({ sampler }).getTracer("bench")
  return (user: User) => {
    const context = tracer.startSpan("create users_created", { root: true, kind: SpanKind.PRODUCER }).spanContext()
    const traceparent = `00-${context.traceId}-${context.spanId}-${context.traceFlags & 1 ? "01" : "00"}`
    return { key: user.id, value: JSON.stringify(user), headers: { ...RecordHeaders, traceparent } }
  }
}
