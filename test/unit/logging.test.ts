import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { TestConsole } from "effect/testing"
import * as Logging from "../../src/layers/Logging.ts"

const logging = (format: string) =>
  Logging.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ LOG_FORMAT: format }))))

const logInSpan = Effect.gen(function*() {
  const span = yield* Effect.currentSpan
  yield* Effect.logWarning("retrying after CassandraUnavailable")
  return span
}).pipe(Effect.withSpan("CassandraRepo.upsert"))

describe("logging", () => {
  it.effect("JSON lines carry the trace and span ids of the span they were written in", () =>
    Effect.gen(function*() {
      const span = yield* logInSpan.pipe(Effect.provide(logging("json")))
      const [line] = yield* TestConsole.errorLines
      const entry = JSON.parse(String(line))
      assert.strictEqual(entry.message, "retrying after CassandraUnavailable")
      assert.strictEqual(entry.level, "WARN")
      assert.strictEqual(entry.trace_id, span.traceId)
      assert.strictEqual(entry.span_id, span.spanId)
    }).pipe(Effect.provide(TestConsole.layer)))

  it.effect("logfmt lines do too, and a line outside any span has none", () =>
    Effect.gen(function*() {
      const span = yield* logInSpan.pipe(Effect.provide(logging("logfmt")))
      yield* Effect.logInfo("outside").pipe(Effect.provide(logging("logfmt")))
      const [inside, outside] = yield* TestConsole.errorLines
      assert.include(String(inside), `trace_id=${span.traceId} span_id=${span.spanId}`)
      assert.notInclude(String(outside), "trace_id=")
    }).pipe(Effect.provide(TestConsole.layer)))
})
