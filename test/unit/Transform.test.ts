import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { decodeUserMessage } from "../../src/domain/Poison.ts"
import { transformPage } from "../../src/domain/Transform.ts"
import { userId } from "../../src/domain/UserId.ts"
import { page, rawUser, seedDagMessage, uuidOf } from "../support/users.ts"

describe("transform", () => {
  it("maps a randomuser user to the seed DAG's fields, with id = v5(login.uuid|nat|requested nats)", () => {
    const { invalid, users } = transformPage([rawUser(2)], "")
    assert.deepStrictEqual(invalid, [])
    assert.deepStrictEqual(users, [{
      id: userId(uuidOf(2), "ES", ""),
      first_name: "First2",
      last_name: "Last2",
      gender: "female",
      address: "102 Calle Mayor, Madrid, Comunidad de Madrid, Spain",
      post_code: "28002",
      email: "user2@example.com",
      username: "user2",
      dob: "1990-05-17T08:30:00.000Z",
      registered_date: "2015-01-02T03:04:05.000Z",
      phone: "912-345-678",
      picture: "https://example.com/m/2.jpg"
    }])
  })

  it("turns numeric and string postcodes into strings and accepts a null id.value", () => {
    const { invalid, users } = transformPage([rawUser(3), rawUser(4)], "")
    assert.deepStrictEqual(invalid, [])
    assert.deepStrictEqual(users.map((u) => u.post_code), ["SW1A 3", "28004"])
  })

  it("counts and skips invalid users while the rest of the page goes through", () => {
    const results = [...page(1, 4).results]
    results[1] = { ...rawUser(2), login: { uuid: "not-a-uuid", username: "x" } }
    results[3] = { name: "only a name" }
    const { invalid, users } = transformPage(results, "")
    assert.deepStrictEqual(users.map((u) => u.id), [userId(uuidOf(1), "ES", ""), userId(uuidOf(3), "ES", "")])
    assert.deepStrictEqual(invalid.map((i) => i.index), [1, 3])
    assert.isTrue(invalid.every((i) => i.message.length > 0))
  })
})

describe("clean values", () => {
  const spaced = {
    ...rawUser(5),
    name: { title: "Mr", first: "João ", last: " Silva " },
    location: { ...(rawUser(5).location as object), street: { number: 12, name: "Rua das Flores " }, city: "Recife ", state: " Pernambuco", country: "Brazil " },
    email: " joao@example.com",
    nat: "BR"
  }

  it("trims leading and trailing whitespace of every text field, keeping the seed's address format", () => {
    const [user] = transformPage([spaced], "BR").users
    assert.deepInclude(user, {
      first_name: "João",
      last_name: "Silva",
      address: "12 Rua das Flores, Recife, Pernambuco, Brazil",
      email: "joao@example.com"
    })
    for (const [field, value] of Object.entries(user!)) assert.strictEqual(value, value.trim(), field)
  })

  it("keeps a user whose street name is empty (UA)", () => {
    const ua = { ...spaced, location: { ...spaced.location, street: { number: 7, name: "" }, city: "Kyiv", state: "Kyiv", country: "Ukraine" }, nat: "UA" }
    const { invalid, users } = transformPage([ua], "UA")
    assert.deepStrictEqual(invalid, [])
    assert.strictEqual(users[0]!.address, "7 , Kyiv, Kyiv, Ukraine")
  })

  it("counts a user born on a day the calendar does not have as invalid, and keeps a leap day", () => {
    const born = (date: string) => ({ ...rawUser(6), dob: { date, age: 30 } })
    const { invalid, users } = transformPage([born("2020-02-30T00:00:00Z"), born("2021-02-29T10:00:00.000Z"), born("1990-13-01T00:00:00Z"), born("2020-02-29T00:00:00.000Z")], "")
    assert.deepStrictEqual(invalid.map((i) => i.index), [0, 1, 2])
    assert.deepStrictEqual(users.map((u) => u.dob), ["2020-02-29T00:00:00.000Z"])
  })
})

describe("consumed message decoding", () => {
  const bytes = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value))

  it("accepts the seed DAG's message: random uuid4 id and numeric post_code", () => {
    const seedMessage = seedDagMessage("6f1c1b52-2a4e-4c8e-9d7e-0b5d6c3a1f20")
    const decoded = decodeUserMessage(bytes(seedMessage))
    assert.isTrue(Result.isSuccess(decoded))
    if (Result.isSuccess(decoded)) assert.strictEqual(decoded.success.post_code, "28013")
  })

  it("says why a message is poison", () => {
    const reason = (value: Uint8Array | null) => Result.match(decodeUserMessage(value), {
      onFailure: (e) => e.reason,
      onSuccess: () => "ok"
    })
    assert.strictEqual(reason(null), "EmptyValue")
    assert.strictEqual(reason(new Uint8Array()), "EmptyValue")
    assert.strictEqual(reason(bytes("{not json")), "NotJson")
    assert.strictEqual(reason(new Uint8Array([0xff, 0xfe])), "NotJson")
    assert.strictEqual(reason(bytes({ id: "x" })), "SchemaMismatch")
    assert.strictEqual(reason(bytes({ ...seedDagMessage("6f1c1b52-2a4e-4c8e-9d7e-0b5d6c3a1f20"), dob: "2020-02-30T00:00:00Z" })), "SchemaMismatch")
    assert.strictEqual(reason(bytes(seedDagMessage("6f1c1b52-2a4e-4c8e-9d7e-0b5d6c3a1f20"))), "ok")
  })
})
