import { createHash } from "node:crypto"

/** This project's UUID v5 namespace (a fixed random UUID): ids derived in it are ours alone. */
export const UserIdNamespace = "5d3a8f0c-6b1e-4c47-9a2f-1e8b7d4c0a63"

/** A name-based UUID v5 (RFC 9562 §5.5): SHA-1 of namespace + name, version and variant bits set. */
export const uuidV5 = (namespace: string, name: string): string => {
  const bytes = createHash("sha1").update(Buffer.from(namespace.replaceAll("-", ""), "hex")).update(name, "utf8").digest().subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x50
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The record's id: randomuser's `login.uuid` depends only on seed and page, while the person generated
 * there depends on the nationalities asked for; so the id names all three parts of what identifies one person.
 */
export const userId = (loginUuid: string, nat: string, requestedNats: string): string =>
  uuidV5(UserIdNamespace, `${loginUuid.toLowerCase()}|${nat.toUpperCase()}|${requestedNats}`)
