import { assert, describe, it } from "@effect/vitest"
import { Duration, Result, Schema } from "effect"
import { Nationalities, NatList, normalizeNats } from "../../src/domain/Nationality.ts"
import { UsersBudgetFromString } from "../../src/domain/UsersBudget.ts"

describe("nationalities", () => {
  it("knows randomuser's 21 v1.4 codes", () => {
    assert.deepStrictEqual([...Nationalities], "AU BR CA CH DE DK ES FI FR GB IE IN IR MX NL NO NZ RS TR UA US".split(" "))
  })

  it("trims and case-folds a comma-separated list into what the API is sent", () => {
    assert.deepStrictEqual(normalizeNats(" us, Gb ,ua"), Result.succeed("US,GB,UA"))
    assert.strictEqual(Schema.decodeUnknownSync(NatList)("dk"), "DK")
  })

  it("rejects a code the API would silently replace by all nationalities, naming it", () => {
    const failure = Result.flip(normalizeNats("us,xx,,gb"))
    assert.isTrue(Result.isSuccess(failure))
    assert.match(Result.getOrThrow(failure), /"XX", "" not among the v1\.4 nationalities AU BR/)
    assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(NatList)("jp")))
  })
})

describe("users budget", () => {
  it("reads users per window", () => {
    const budget = Schema.decodeUnknownSync(UsersBudgetFromString)("20000/5 minutes")
    assert.strictEqual(budget.users, 20000)
    assert.isTrue(Duration.equals(budget.window, Duration.minutes(5)))
    assert.strictEqual(Schema.decodeUnknownSync(UsersBudgetFromString)(" 2000 / 20 seconds ").users, 2000)
  })

  it.each(["20000", "0/5 minutes", "many/5 minutes", "100/5 parsecs", "100/0 seconds", "-5/1 minute"])("rejects %j", (text) => {
    assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(UsersBudgetFromString)(text)))
  })
})
