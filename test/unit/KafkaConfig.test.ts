import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option } from "effect"
import { KafkaConfig } from "../../src/layers/KafkaConfig.ts"

describe("KafkaConfig", () => {
  it.effect("a flag's value replaces its variable, which is then not read; the other variables are read as usual", () =>
    Effect.gen(function*() {
      const env = ConfigProvider.layer(ConfigProvider.fromUnknown({
        KAFKA_START_FROM: "nowhere",
        KAFKA_REPLAY_FROM: "yesterday",
        KAFKA_TOPIC: "flagged"
      }))
      const replayFrom = new Date("2026-01-01T00:00:00.000Z")
      const config = yield* KafkaConfig.pipe(Effect.provide(KafkaConfig.layerWith({ startFrom: "latest", replayFrom })), Effect.provide(env))
      assert.strictEqual(config.startFrom, "latest")
      assert.deepStrictEqual(config.replayFrom, Option.some(replayFrom))
      assert.strictEqual(config.topic, "flagged")
      const error = yield* KafkaConfig.pipe(Effect.provide(KafkaConfig.layer), Effect.provide(env), Effect.flip)
      assert.include(error.message, "KAFKA_START_FROM")
    }))
})
