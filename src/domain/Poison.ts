import { Result, Schema } from "effect"
import { User } from "./User.ts"

/** Why a consumed message cannot become a row; such a message goes to the dead-letter topic. */
export class PoisonMessage extends Schema.TaggedError<PoisonMessage>()("PoisonMessage", {
  reason: Schema.Literals(["EmptyValue", "NotJson", "SchemaMismatch"]),
  message: Schema.String
}) {}

const utf8 = new TextDecoder("utf-8", { fatal: true })
const decodeJson = Schema.decodeUnknownResult(Schema.fromJsonString(Schema.Unknown))
const decodeUser = Schema.decodeUnknownResult(User)

const poison = (reason: PoisonMessage["reason"], message: string) =>
  Result.fail(new PoisonMessage({ reason, message }))

/** Decodes a Kafka message value into a `User`, or says why it is poison. */
export const decodeUserMessage = (value: Uint8Array | null): Result.Result<User, PoisonMessage> => {
  if (value === null || value.length === 0) return poison("EmptyValue", "message has no value")
  let text: string
  try {
    text = utf8.decode(value)
  } catch {
    return poison("NotJson", "value is not UTF-8 text")
  }
  const json = decodeJson(text)
  if (Result.isFailure(json)) return poison("NotJson", json.failure.message)
  return Result.mapError(decodeUser(json.success), (error) =>
    new PoisonMessage({ reason: "SchemaMismatch", message: error.message }))
}
