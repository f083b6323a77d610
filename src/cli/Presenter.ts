import { Console, Effect, Layer } from "effect"
import { CliOutput } from "effect/cli"

/** Help as usual; an invalid invocation as one line per error on stderr, without the help page. */
export const layer = Layer.unwrap(Effect.gen(function*() {
  const fallback = yield* CliOutput.Presenter
  return CliOutput.layerPresenter({
    present: (event) =>
      event._tag === "InvalidInvocation"
        ? Console.error(
          event.errors.map((error) => `error: ${error.message.replace(/\s*\n\s*/g, " ")} (see ${[...event.commandPath, "--help"].join(" ")})`)
            .join("\n")
        )
        : fallback.present(event)
  })
}))
