import { assert, describe, it } from "@effect/vitest"
import { transformPage } from "../../src/domain/Transform.ts"
import { Nationalities } from "../../src/domain/Nationality.ts"
import { userId } from "../../src/domain/UserId.ts"
import { expectedUsers, generatePage, generateUser, MaxResults, parseNats } from "../../dev/fake-api/RandomUserGenerator.ts"

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

  it("reports the page in info and serves up to 5000 users", () => {
    const page = generatePage({ seed: "cap", page: 9, results: MaxResults })
    assert.deepStrictEqual(page.info, { seed: "cap", results: MaxResults, page: 9, version: "1.4" })
    assert.strictEqual(page.results.length, MaxResults)
  })

  it.each([5001, 0, -3, 2.5, Number.NaN])("serves exactly 1 user for results=%s, as randomuser.me does", (results) => {
    const page = generatePage({ seed: "bad", page: 2, results })
    assert.strictEqual(page.results.length, 1)
    assert.strictEqual(page.info.results, 1)
  })

  it.each([[10_001, 1], [0, 1], [-4, 1], [10_000, 10_000]])("serves page %s as page %s", (asked, servedPage) => {
    const page = generatePage({ seed: "wrap", page: asked, results: 3 })
    assert.strictEqual(page.info.page, servedPage)
    assert.deepStrictEqual(page.results, generatePage({ seed: "wrap", page: servedPage, results: 3 }).results)
  })

  it("draws nationalities from nat= (any case); one unknown code or a space means all of them", () => {
    assert.deepStrictEqual(parseNats("us,Gb"), ["US", "GB"])
    for (const all of ["us, gb", "us,xx", " us", "", undefined]) assert.deepStrictEqual(parseNats(all), [], String(all))
    assert.deepStrictEqual(new Set(served({ seed: "n", page: 1, results: 200, nats: ["NL"] }).map((user) => user.nat)), new Set(["NL"]))
  })

  it("serves all 21 v1.4 nationalities with their postcode types and null ids", () => {
    const users = served({ seed: "all", page: 1, results: 5000 })
    assert.deepStrictEqual(new Set(users.map((user) => user.nat)), new Set(Nationalities))
    for (const user of users) {
      const type = ["CA", "GB", "NO"].includes(user.nat) ? "string" : "number"
      assert.strictEqual(typeof user.location.postcode, type, user.nat)
      assert.strictEqual(user.id.value === null, ["IR", "NZ", "TR", "UA"].includes(user.nat), user.nat)
    }
  })

  it("has randomuser's stray whitespace, empty UA streets and commas inside DK, NL and UA places", () => {
    const users = served({ seed: "ws", page: 1, results: 5000 }) as unknown as ReadonlyArray<Served & {
      readonly name: { readonly first: string; readonly last: string }
      readonly location: { readonly street: { readonly name: string }; readonly city: string }
    }>
    const some = (nats: ReadonlyArray<string>, test: (user: typeof users[number]) => boolean) =>
      nats.every((nat) => users.some((user) => user.nat === nat && test(user)))
    assert.isTrue(some(["BR", "RS"], (user) => user.location.street.name.endsWith(" ")), "street names ending in a space")
    assert.isTrue(some(["BR", "US", "DK"], (user) => user.name.first.endsWith(" ") || user.name.last.endsWith(" ")), "names ending in a space")
    assert.isTrue(some(["BR", "US", "DK"], (user) => user.location.city.endsWith(" ")), "cities ending in a space")
    assert.isTrue(some(["UA"], (user) => user.location.street.name === ""), "an empty UA street")
    assert.isTrue(some(["DK", "NL", "UA"], (user) => `${user.location.street.name}${user.location.city}`.includes(",")), "commas")
    const { invalid, users: clean } = transformPage(users, "")
    assert.deepStrictEqual(invalid, [])
    assert.isTrue(clean.every((user) => Object.values(user).every((value) => value === value.trim())))
  })

  it("gives the same login.uuids to the same seed and page whatever the nationality, but other people", () => {
    const us = served({ seed: "same", page: 5, results: 100, nats: ["US"] })
    const gb = served({ seed: "same", page: 5, results: 100, nats: ["GB"] })
    assert.deepStrictEqual(us.map((user) => user.login?.uuid), gb.map((user) => user.login?.uuid))
    assert.notDeepEqual(us.map((user) => user.location.postcode), gb.map((user) => user.location.postcode))
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
