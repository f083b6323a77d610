import type { JsonSchemaDocument } from "./UsersJsonSchema.ts"

type Node = Readonly<Record<string, unknown>>

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

/** The JSON types a schema node accepts ("integer" counts as a number); undefined when it accepts anything. */
const acceptedTypes = (node: Node): ReadonlySet<string> | undefined => {
  const alternatives = [node.anyOf, node.oneOf].find(Array.isArray)
  if (alternatives !== undefined) {
    const sets = alternatives.filter(isNode).map(acceptedTypes)
    if (sets.some((set) => set === undefined)) return undefined
    return new Set(sets.flatMap((set) => [...set!]))
  }
  if (node.type === undefined) return undefined
  const types = Array.isArray(node.type) ? node.type.map(String) : [String(node.type)]
  return new Set(types.map((type) => type === "integer" ? "number" : type))
}

const requiredOf = (node: Node): ReadonlySet<string> =>
  new Set(Array.isArray(node.required) ? node.required.map(String) : [])

const propertiesOf = (node: Node): Node => isNode(node.properties) ? node.properties : {}

/** Follows a local `#/$defs/…` reference of the document. */
const resolve = (node: Node, root: Node): Node => {
  const ref = node.$ref
  if (typeof ref !== "string" || !ref.startsWith("#/$defs/") || !isNode(root.$defs)) return node
  const target = root.$defs[ref.slice("#/$defs/".length)]
  return isNode(target) ? resolve(target, root) : node
}

const compare = (beforeRoot: Node, afterRoot: Node) => (beforeNode: Node, afterNode: Node, path: string): Array<string> => {
  const before = resolve(beforeNode, beforeRoot)
  const after = resolve(afterNode, afterRoot)
  const recurse = compare(beforeRoot, afterRoot)
  const problems: Array<string> = []
  const typesBefore = acceptedTypes(before)
  const typesAfter = acceptedTypes(after)
  if (typesBefore !== undefined) {
    const lost = typesAfter === undefined ? [] : [...typesBefore].filter((type) => !typesAfter.has(type))
    if (lost.length > 0) problems.push(`${path}: no longer accepts ${lost.join(", ")} (type changed)`)
  }
  const propsBefore = propertiesOf(before)
  const propsAfter = propertiesOf(after)
  const requiredBefore = requiredOf(before)
  for (const name of Object.keys(propsBefore)) {
    const next = propsAfter[name]
    if (!isNode(next)) problems.push(`${path}.${name}: removed`)
    else if (isNode(propsBefore[name])) problems.push(...recurse(propsBefore[name], next, `${path}.${name}`))
  }
  for (const name of requiredOf(after)) {
    if (!requiredBefore.has(name)) problems.push(`${path}.${name}: newly required`)
  }
  if (isNode(before.items) && isNode(after.items)) problems.push(...recurse(before.items, after.items, `${path}[]`))
  return problems
}

/**
 * Why messages valid under `before` may be invalid under `after`, structurally: a removed field, a field that becomes
 * required, a type no longer accepted. Value constraints (patterns, formats, date checks) are deliberately not compared.
 * An empty list means `after` is backward compatible with `before`.
 */
export const backwardIncompatibilities = (before: JsonSchemaDocument, after: JsonSchemaDocument): ReadonlyArray<string> =>
  compare(before, after)(before, after, "$")
