import { Config, Context, Effect, Layer, Logger, References, Tracer } from "effect"

/** `LOG_FORMAT` (`logfmt`, `json` or `pretty`) and `LOG_LEVEL`; logs go to stderr, stdout stays for results. */
export const LoggingConfig = Config.all({
  format: Config.Literals(["logfmt", "json", "pretty"], "LOG_FORMAT").pipe(Config.withDefault("logfmt" as const)),
  level: Config.LogLevel("LOG_LEVEL").pipe(Config.withDefault("Info" as const))
})

/** The ids of the span a log line was written in, if any. */
const traceIds = (fiber: Logger.Options<unknown>["fiber"]) => {
  const span = Context.getOption(fiber.context, Tracer.ParentSpan)
  return span._tag === "Some" && span.value.sampled ? { trace_id: span.value.traceId, span_id: span.value.spanId } : undefined
}

const json = Logger.make((options) => JSON.stringify({ ...Logger.formatStructured.log(options), ...traceIds(options.fiber) }))

const logfmt = Logger.make((options) => {
  const ids = traceIds(options.fiber)
  const line = Logger.formatLogFmt.log(options)
  return ids === undefined ? line : `${line} trace_id=${ids.trace_id} span_id=${ids.span_id}`
})

/** Structured logs carrying `trace_id` and `span_id`, on stderr. */
export const layer = Layer.unwrap(Effect.gen(function*() {
  const { format, level } = yield* LoggingConfig
  const logger = format === "pretty" ? Logger.consolePretty() : Logger.withConsoleError(format === "json" ? json : logfmt)
  return Layer.mergeAll(
    Logger.layer([logger]),
    Layer.succeed(Logger.LogToStderr, true),
    Layer.succeed(References.MinimumLogLevel, level)
  )
}))
