// kafkajs' request queue arms a negative setTimeout when it has nothing pending (kafkajs/src/network/requestQueue),
// and Node 24 prints a three-line TimeoutNegativeWarning for it in every process that connects to Kafka.
// Imported first by each entry point that may load kafkajs (src/main.ts, the test workers' setupFiles, stack/probe.mjs):
// exactly that warning is dropped, every other one prints as usual.
const emitWarning = process.emitWarning
process.emitWarning = function(this: NodeJS.Process, warning: string | Error, ...rest: Array<unknown>) {
  const options = rest[0]
  const type = typeof options === "string" ? options : (options as { type?: unknown } | undefined)?.type
  if (type === "TimeoutNegativeWarning") return
  return Reflect.apply(emitWarning, this, [warning, ...rest])
} as typeof process.emitWarning
