// The `users-pipeline` CLI: `ingest`, `stream`, `schema`, `status`, `dlq` and `trace`, with one-line errors and exit codes (loaded by src/main.ts).
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect, Exit, Runtime } from "effect"
import { CliError, Command } from "effect/cli"
import { dlqCommand } from "./DlqCommand.ts"
import { ingestCommand } from "./IngestCommand.ts"
import { describeFailure } from "./Failure.ts"
import * as Presenter from "./Presenter.ts"
import * as Logging from "../layers/Logging.ts"
import { schemaCommand } from "./SchemaCommand.ts"
import { statusCommand } from "./StatusCommand.ts"
import { streamCommand } from "./StreamCommand.ts"
import { traceCommand } from "./TraceCommand.ts"

const cli = Command.make("users-pipeline").pipe(
  Command.withDescription("randomuser.me → Kafka → Cassandra, traced with OpenTelemetry"),
  Command.withSubcommands([ingestCommand, streamCommand, schemaCommand, statusCommand, dlqCommand, traceCommand])
)

Command.run(cli, { version: "0.1.0" }).pipe(
  Effect.tapCause((cause) =>
    Cause.hasInterruptsOnly(cause) || CliError.isCliError(Cause.squash(cause))
      ? Effect.void
      : Effect.sync(() => process.stderr.write(`${describeFailure(cause)}\n`))
  ),
  Effect.provide([Presenter.layer, Logging.layer, NodeServices.layer]),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) =>
      // Interrupted by a signal: 0, unless the command said otherwise on its way out (a schedule with failed runs).
      Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
        ? onExit(process.exitCode === 1 ? 1 : 0)
        : Runtime.defaultTeardown(exit, onExit)
  })
)
