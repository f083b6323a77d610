import type { SpanExporter } from "@opentelemetry/sdk-trace-base"
import { assert, describe, it } from "@effect/vitest"
import { watchExports } from "../../src/layers/TraceExporter.ts"
import type { ExportHealthChange } from "../../src/layers/TraceExporter.ts"

/** An exporter whose exports succeed or fail in the given order. */
const scripted = (outcomes: ReadonlyArray<"ok" | "fail">): SpanExporter => {
  let call = 0
  return {
    export: (_spans, done) =>
      done(outcomes[call++] === "ok" ? { code: 0 } : { code: 1, error: new Error("connect ECONNREFUSED 127.0.0.1:4318") }),
    shutdown: () => Promise.resolve()
  }
}

describe("export health", () => {
  it("reports the first failure and the first success after it, and nothing in between", () => {
    const changes: Array<ExportHealthChange> = []
    const outcomes = ["ok", "fail", "fail", "fail", "ok", "ok", "fail"] as const
    const exporter = watchExports(scripted(outcomes), (change) => changes.push(change))
    const results: Array<number> = []
    for (let i = 0; i < outcomes.length; i++) exporter.export([], (result) => results.push(result.code))
    assert.deepStrictEqual(changes, [
      { _tag: "Failing", reason: "connect ECONNREFUSED 127.0.0.1:4318" },
      { _tag: "Recovered" },
      { _tag: "Failing", reason: "connect ECONNREFUSED 127.0.0.1:4318" }
    ])
    assert.deepStrictEqual(results, [0, 1, 1, 1, 0, 0, 1])
  })
})
