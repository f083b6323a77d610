import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Option, Schema } from "effect"
import { UsersBudgetFromString } from "../../src/domain/UsersBudget.ts"
import { Command, Flag } from "effect/cli"
import { FakeHttpUsers, Faults } from "./FakeHttpUsers.ts"

const command = Command.make(
  "fake-randomuser",
  {
    port: Flag.Int("port").pipe(Flag.withDescription("TCP port (0 picks a free one)"), Flag.withDefault(3999)),
    host: Flag.String("host").pipe(Flag.withDefault("127.0.0.1")),
    faults: Flag.String("faults").pipe(
      Flag.withDescription("Initial fault plan as JSON, same shape as POST /__faults"),
      Flag.withSchema(Schema.fromJsonString(Faults)),
      Flag.withDefault({})
    ),
    budget: Flag.String("budget").pipe(
      Flag.withDescription("Rate limit per client, users per window (randomuser.me: 20000/5 minutes); 429 beyond it"),
      Flag.withSchema(UsersBudgetFromString),
      Flag.optional
    )
  },
  ({ budget, faults, host, port }) =>
    Effect.gen(function*() {
      const fake = yield* FakeHttpUsers
      yield* Console.log(`fake randomuser.me listening on ${fake.url} (control: POST/GET/DELETE /__faults, GET/DELETE /__stats)`)
      return yield* Effect.never
    }).pipe(Effect.provide(FakeHttpUsers.layer({ port, host, faults, budget: Option.getOrUndefined(budget) })))
).pipe(Command.withDescription("A randomuser.me-compatible API, deterministic from the seed, with faults on demand"))

command.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), NodeRuntime.runMain)
