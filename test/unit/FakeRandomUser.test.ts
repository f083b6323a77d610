import { assert, describe, it } from "@effect/vitest"
import { transformPage } from "../../src/domain/Transform.ts"
import { userId } from "../../src/domain/UserId.ts"
import { expectedUsers, generatePage, generateUser, MaxResults, parseNats } from "../support/RandomUserGenerator.ts"

const UuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

interface Served {
  readonly login?: { readonly uuid?: string }
  readonly location: { readonly postcode: unknown; readonly street: unknown }
  readonly id: { readonly value: string | null }
  readonly dob: { readonly date: string }
  readonly registered: { readonly date: string }
  readonly nat: string
}
const served = (query: Parameters<typeof generatePage>[0]) => generatePage(query).results as unknown as ReadonlyArray<Served>

describe("fake randomuser.me generator", () => {
  it("serves identical users for the same seed and page", () => {
    assert.deepStrictEqual(generatePage({ seed: "s", page: 4, results: 300 }), generatePage({ seed: "s", page: 4, results: 300 }))
  })

  it("derives each user from (seed, page, index) only, not from the page size", () => {
    assert.deepStrictEqual(generatePage({ seed: "s", page: 2, results: 10 }).results, generatePage({ seed: "s", page: 2, results: 50 }).results.slice(0, 10))
    assert.deepStrictEqual(generateUser("s", 2, 7), generatePage({ seed: "s", page: 2, results: 8 }).results[7])
  })

  it("gives every user of a seed a distinct v4-shaped uuid across pages, and other seeds other uuids", () => {
    const uuids = (seed: string) => Array.from({ length: 10 }, (_, page) => served({ seed, page: page + 1, results: 1000 })).flat().map((user) => user.login?.uuid ?? "")
    const first = uuids("alpha")
    assert.isTrue(first.every((uuid) => UuidV4.test(uuid)))
    assert.strictEqual(new Set(first).size, first.length)
    const second = new Set(uuids("beta"))
    assert.isFalse(first.some((uuid) => second.has(uuid)))
  })

  it("has the API's quirks: numeric and string postcodes, null id values, {number, name} streets, ISO dates", () => {
    const users = served({ seed: "quirks", page: 1, results: 2000 })
    assert.isTrue(users.some((user) => typeof user.location.postcode === "number"))
    assert.isTrue(users.some((user) => typeof user.location.postcode === "string"))
    assert.isTrue(users.some((user) => user.id.value === null))
    const street = users[0]!.location.street as { number: unknown; name: unknown }
    assert.deepStrictEqual([typeof street.number, typeof street.name], ["number", "string"])
    for (const user of users) {
      assert.strictEqual(new Date(user.dob.date).toISOString(), user.dob.date)
      assert.strictEqual(new Date(user.registered.date).toISOString(), user.registered.date)
    }
  })

  it("reports the page in info and caps results at 5000", () => {
    const page = generatePage({ seed: "cap", page: 9, results: 9999 })
    assert.deepStrictEqual(page.info, { seed: "cap", results: MaxResults, page: 9, version: "1.4" })
    assert.strictEqual(page.results.length, MaxResults)
  })

  it("draws nationalities from nat= and ignores unknown codes", () => {
    assert.deepStrictEqual(parseNats("us, gb,xx"), ["US", "GB"])
    assert.deepStrictEqual(new Set(served({ seed: "n", page: 1, results: 200, nats: ["NL"] }).map((user) => user.nat)), new Set(["NL"]))
  })

  it("generates users the domain transform accepts, one for one", () => {
    const query = { seed: "valid", page: 1, results: 1000 }
    const { invalid, users } = transformPage(generatePage(query).results, "")
    assert.deepStrictEqual(invalid, [])
    assert.deepStrictEqual(users.map((user) => user.id), served(query).map((user) => userId(user.login!.uuid!, user.nat, "")))
  })

  it("spoils a deterministic fraction of users, which the domain transform rejects", () => {
    const query = { seed: "spoiled", page: 2, results: 2000, invalidUserRate: 0.2 }
    const { invalid, users } = transformPage(generatePage(query).results, "")
    assert.isTrue(invalid.length > 300 && invalid.length < 500, `${invalid.length} invalid`)
    assert.strictEqual(users.length + invalid.length, 2000)
    assert.deepStrictEqual(expectedUsers(query), users)
    assert.deepStrictEqual(transformPage(generatePage(query).results, "").invalid, invalid)
    const clean = new Set(expectedUsers({ ...query, invalidUserRate: 0 }).map((user) => user.id))
    assert.isTrue(users.every((user) => clean.has(user.id)))
  })
})
