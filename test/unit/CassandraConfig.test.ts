import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect } from "effect"
import { CassandraConfig, clientOptions, maxReconnectDelay } from "../../src/layers/CassandraConfig.ts"

describe("clientOptions", () => {
  it.effect("retries a node that went down at least every 10 seconds, however long it stayed down", () =>
    Effect.gen(function*() {
      const config = yield* CassandraConfig.config.parse(ConfigProvider.fromUnknown({}))
      const schedule = clientOptions(config).policies!.reconnection!.newSchedule()
      const delays = Array.from({ length: 30 }, () => schedule.next().value as number)
      const cap = Duration.toMillis(maxReconnectDelay)
      assert.isBelow(delays[0]!, 2_000)
      assert.isTrue(delays.every((delay) => delay <= cap), delays.join(","))
      assert.isAtLeast(delays.at(-1)!, cap / 2)
    }))
})
