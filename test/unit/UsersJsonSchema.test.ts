import { assert, describe, it } from "@effect/vitest"
import { JsonSchema, Result, Schema, SchemaRepresentation } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { backwardIncompatibilities } from "../../src/domain/SchemaCompatibility.ts"
import { usersJsonSchema } from "../../src/domain/UsersJsonSchema.ts"
import type { JsonSchemaDocument } from "../../src/domain/UsersJsonSchema.ts"
import { seedDagMessage, uuidOf } from "../support/users.ts"

const snapshotPath = join(import.meta.dirname, "../../schemas/users.v1.json")
const snapshot = JSON.parse(readFileSync(snapshotPath, "utf8")) as JsonSchemaDocument

/** A validator built from the JSON Schema document alone (Effect's JSON Schema importer), not from the `User` schema. */
const validatorOf = (document: JsonSchemaDocument) => {
  const imported = SchemaRepresentation.fromJsonSchemaDocument(
    JsonSchema.fromSchemaDraft2020_12(document as JsonSchema.JsonSchema),
    { patterns: "apply" }
  )
  return (value: unknown) => Result.isSuccess(Schema.decodeUnknownResult(imported as Schema.Codec<unknown>)(value))
}

const withProperties = (document: JsonSchemaDocument, change: (properties: Record<string, unknown>, required: Array<string>) => void) => {
  const copy = structuredClone(document) as { properties: Record<string, unknown>; required: Array<string> }
  change(copy.properties, copy.required)
  return copy as unknown as JsonSchemaDocument
}

const ourMessage = {
  ...seedDagMessage(uuidOf(7)),
  post_code: "SW1A 7",
  address: "107 Calle Mayor, Madrid, Comunidad de Madrid, Spain"
}

describe("users.v1 JSON Schema", () => {
  it("is backward compatible with the checked-in snapshot schemas/users.v1.json", () => {
    assert.deepStrictEqual(backwardIncompatibilities(snapshot, usersJsonSchema()), [])
  })

  it("matches the snapshot (after a compatible change: npx users-pipeline schema --json-schema > schemas/users.v1.json)", () => {
    assert.deepStrictEqual(usersJsonSchema(), snapshot)
  })

  it("validates a users.v1 message and the seed DAG's message, and rejects one without id or with a non-UUID id", () => {
    const validate = validatorOf(snapshot)
    assert.isTrue(validate(ourMessage))
    assert.isTrue(validate(seedDagMessage("6f1c1b52-2a4e-4c8e-9d7e-0b5d6c3a1f20")))
    const { id: _id, ...withoutId } = ourMessage
    assert.isFalse(validate(withoutId))
    assert.isFalse(validate({ ...ourMessage, id: "not-a-uuid" }))
    assert.isFalse(validate({ ...ourMessage, post_code: true }))
  })
})

describe("backwardIncompatibilities", () => {
  const current = usersJsonSchema()

  it("accepts the same schema, a new optional field and a widened type", () => {
    assert.deepStrictEqual(backwardIncompatibilities(current, current), [])
    const optionalField = withProperties(current, (properties) => (properties.nickname = { type: "string" }))
    assert.deepStrictEqual(backwardIncompatibilities(current, optionalField), [])
    const widened = withProperties(current, (properties) => (properties.phone = { anyOf: [{ type: "string" }, { type: "number" }] }))
    assert.deepStrictEqual(backwardIncompatibilities(current, widened), [])
  })

  it("ignores value constraints such as a date pattern added to dob", () => {
    const stricter = withProperties(current, (properties) => (properties.dob = { type: "string", format: "date-time", pattern: "^\\d{4}-" }))
    assert.deepStrictEqual(backwardIncompatibilities(current, stricter), [])
  })

  it("rejects a removed field", () => {
    const removed = withProperties(current, (properties, required) => {
      delete properties.phone
      required.splice(required.indexOf("phone"), 1)
    })
    assert.deepStrictEqual(backwardIncompatibilities(current, removed), ["$.phone: removed"])
  })

  it("rejects a new required field, and an optional field made required", () => {
    const newRequired = withProperties(current, (properties, required) => {
      properties.nickname = { type: "string" }
      required.push("nickname")
    })
    assert.deepStrictEqual(backwardIncompatibilities(current, newRequired), ["$.nickname: newly required"])
    const optional = withProperties(current, (properties) => (properties.nickname = { type: "string" }))
    assert.deepStrictEqual(backwardIncompatibilities(optional, newRequired), ["$.nickname: newly required"])
  })

  it("rejects a changed or narrowed type", () => {
    const changed = withProperties(current, (properties) => (properties.first_name = { type: "number" }))
    assert.deepStrictEqual(backwardIncompatibilities(current, changed), ["$.first_name: no longer accepts string (type changed)"])
    const narrowed = withProperties(current, (properties) => (properties.post_code = { type: "string" }))
    assert.deepStrictEqual(backwardIncompatibilities(current, narrowed), ["$.post_code: no longer accepts number (type changed)"])
  })

  it("follows $defs references and nested objects", () => {
    const before = { type: "object", properties: { a: { $ref: "#/$defs/A" } }, $defs: { A: { type: "object", properties: { b: { type: "string" } } } } }
    const after = { type: "object", properties: { a: { $ref: "#/$defs/A" } }, $defs: { A: { type: "object", properties: {} } } }
    assert.deepStrictEqual(backwardIncompatibilities(before, after), ["$.a.b: removed"])
  })
})
