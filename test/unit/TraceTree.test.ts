import { assert, describe, it } from "@effect/vitest"
import type { JaegerTrace } from "../../src/domain/JaegerTrace.ts"
import { renderTraceTree } from "../../src/domain/TraceTree.ts"

const tag = (key: string, value: unknown) => ({ key, value })

const userTrace: JaegerTrace = {
  traceID: "t1",
  processes: { p1: { serviceName: "users-ingest" }, p2: { serviceName: "users-stream" } },
  spans: [
    {
      traceID: "t1",
      spanID: "write",
      operationName: "CassandraRepo.upsert",
      references: [{ refType: "CHILD_OF", traceID: "t1", spanID: "process" }],
      startTime: 1_012_500,
      duration: 700,
      tags: [tag("db.query.text", "INSERT INTO users_stream.users (id) VALUES (?)")],
      processID: "p2"
    },
    {
      traceID: "t1",
      spanID: "create",
      operationName: "create users_created",
      references: [{ refType: "FOLLOWS_FROM", traceID: "run", spanID: "request" }],
      startTime: 1_000_000,
      duration: 20,
      tags: [tag("user.id", "u-1")],
      processID: "p1"
    },
    {
      traceID: "t1",
      spanID: "process",
      operationName: "process users_created",
      references: [{ refType: "CHILD_OF", traceID: "t1", spanID: "create" }],
      startTime: 1_012_000,
      duration: 1_500,
      tags: [tag("messaging.destination.partition.id", "2"), tag("messaging.kafka.offset", 41), tag("otel.status_code", "ERROR"), tag("otel.status_description", "not json")],
      processID: "p2"
    }
  ]
}

describe("TraceTree", () => {
  it("prints a trace as a tree: service, name, offset, duration, key tags, the link under its span", () => {
    const lines = renderTraceTree(userTrace, new Map([["request", { service: "users-ingest", operation: "ingest.request" }]]))
    assert.deepStrictEqual(lines, [
      "trace t1: 3 spans from users-ingest, users-stream",
      "  users-ingest  create users_created  +0.00ms  0.02ms  user=u-1",
      "      ↳ link: users-ingest ingest.request (span request of trace run)",
      "    users-stream  process users_created  +12.0ms  1.50ms  ERROR  partition=2 offset=41 error=\"not json\"",
      "      users-stream  CassandraRepo.upsert  +12.5ms  0.70ms  statement=\"INSERT INTO users_stream.users (id) VALUES (?)\""
    ])
  })

  it("says when a linked span is not in Jaeger", () => {
    const lines = renderTraceTree(userTrace)
    assert.include(lines[2]!, "span request of trace run (not in Jaeger")
  })
})
