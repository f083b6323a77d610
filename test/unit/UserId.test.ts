import { assert, describe, it } from "@effect/vitest"
import { transformPage } from "../../src/domain/Transform.ts"
import { userId, uuidV5 } from "../../src/domain/UserId.ts"
import { generatePage } from "../../dev/fake-api/RandomUserGenerator.ts"

const ids = (seed: string, page: number, nat: string) =>
  transformPage(generatePage({ seed, page, results: 500, nats: nat.split(",") }).results, nat).users.map((user) => user.id)

describe("user ids", () => {
  it("are RFC 9562 UUID v5 (the RFC's own example: www.example.com in the DNS namespace)", () => {
    assert.strictEqual(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    assert.match(userId("0b5e5f5a-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "US", "US"), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it("differ between two nationalities of one seed and page, whose login.uuids are the same: 2N distinct ids", () => {
    const us = generatePage({ seed: "twice", page: 3, results: 500, nats: ["US"] }).results as unknown as ReadonlyArray<{ login: { uuid: string } }>
    const gb = generatePage({ seed: "twice", page: 3, results: 500, nats: ["GB"] }).results as unknown as ReadonlyArray<{ login: { uuid: string } }>
    assert.deepStrictEqual(us.map((u) => u.login.uuid), gb.map((u) => u.login.uuid))
    assert.strictEqual(new Set([...ids("twice", 3, "US"), ...ids("twice", 3, "GB")]).size, 1000)
  })

  it("are the same N for the same seed, page and nationality asked twice (an idempotent upsert)", () => {
    const first = ids("again", 2, "DE")
    assert.strictEqual(new Set(first).size, 500)
    assert.deepStrictEqual(ids("again", 2, "DE"), first)
  })

  it("depend on the nationality list asked for, not only on the user's own nationality", () => {
    const uuid = "0b5e5f5a-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
    assert.notStrictEqual(userId(uuid, "US", "US"), userId(uuid, "US", "US,GB"))
    assert.notStrictEqual(userId(uuid, "US", ""), userId(uuid, "GB", ""))
    assert.strictEqual(userId(uuid.toUpperCase(), "us", "US"), userId(uuid, "US", "US"))
  })
})
