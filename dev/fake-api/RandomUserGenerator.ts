import { transformPage } from "../../src/domain/Transform.ts"
import { type Draw as NationalityDraw, Nationalities } from "./RandomUserNationalities.ts"
import type { User } from "../../src/domain/User.ts"

/** What a page of the fake randomuser API is generated from; same query ⇒ same page. */
export interface PageQuery {
  readonly seed: string
  readonly page: number
  readonly results: number
  /** Nationality codes (`US`, `GB`, …); empty ⇒ all of them. */
  readonly nats?: ReadonlyArray<string> | undefined
  /** Fraction (0..1) of users made invalid, chosen deterministically from (seed, page, index). */
  readonly invalidUserRate?: number | undefined
}

/** Most users one request may ask for, as on randomuser.me; any other `results` is served as 1 user. */
export const MaxResults = 5000

/** Pages above this are served as page 1, as on randomuser.me. */
export const MaxPage = 10_000

const fnv1a = (text: string, basis: number): number => {
  let hash = basis
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

const fmix32 = (input: number): number => {
  let x = input ^ (input >>> 16)
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

const Hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))
const hex8 = (n: number): string => Hex[n >>> 24]! + Hex[(n >>> 16) & 255]! + Hex[(n >>> 8) & 255]! + Hex[n & 255]!

class Draw implements NationalityDraw {
  private state: number
  constructor(seed: number) {
    this.state = seed
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(max: number): number {
    return Math.floor(this.next() * max)
  }
  pick<A>(items: ReadonlyArray<A>): A {
    return items[this.int(items.length)]!
  }
  digits(count: number): string {
    return String(Math.floor(this.next() * 10 ** count)).padStart(count, "0")
  }
  letters(count: number): string {
    let out = ""
    for (let i = 0; i < count; i++) out += String.fromCharCode(65 + this.int(26))
    return out
  }
  hex(words: number): string {
    let out = ""
    for (let i = 0; i < words; i++) out += hex8(Math.floor(this.next() * 4294967296))
    return out
  }
}

const AllNats = Object.keys(Nationalities)

const Male = ["James", "Lucas", "Mateo", "Noah", "Oliver", "Liam", "Hugo", "Leo", "Elias", "Arthur", "Finn", "Emil", "Arjun", "Ivan", "Pedro", "Kian"]
const Female = ["Emma", "Olivia", "Sofia", "Mia", "Alice", "Ella", "Lea", "Nora", "Ana", "Chloe", "Freya", "Ines", "Aisha", "Priya", "Maja", "Zoe"]
const Last = ["Smith", "Garcia", "Müller", "Martin", "Jensen", "Silva", "Brown", "Dubois", "Rossi", "Novak", "Kaya", "Sharma", "Bakker", "Hansen", "Murphy", "López", "Wilson", "Schmidt", "Moreau", "Ahmadi"]
const Adjectives = ["silver", "happy", "lazy", "brave", "tiny", "purple", "angry", "golden"]
const Animals = ["tiger", "koala", "swan", "wolf", "panda", "goose", "rabbit", "lion"]
const Zones = [["-5:00", "Eastern Time (US & Canada), Bogota, Lima"], ["+0:00", "Western Europe Time, London, Lisbon"], ["+1:00", "Brussels, Copenhagen, Madrid, Paris"], ["+3:30", "Tehran"], ["+10:00", "Eastern Australia, Guam, Vladivostok"]] as const

const DayMillis = 24 * 3600 * 1000
const FirstDay = Date.UTC(1950, 0, 1) / DayMillis
const IsoDays = Array.from({ length: 76 * 366 }, (_, day) => new Date((FirstDay + day) * DayMillis).toISOString().slice(0, 11))
const Pad2 = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"))
const ReferenceDay = Date.UTC(2025, 0, 1) / DayMillis - FirstDay
const dated = (draw: Draw, fromYear: number, years: number) => {
  const day = Math.floor((fromYear - 1950 + draw.next() * years) * 365.25)
  const ms = draw.int(1000)
  const time = `${Pad2[draw.int(24)]}:${Pad2[draw.int(60)]}:${Pad2[draw.int(60)]}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`
  return { date: IsoDays[day] + time, age: Math.floor((ReferenceDay - day) / 365.25) }
}

const seedHashes = (seed: string) => [fnv1a(seed, 0x811c9dc5), fnv1a(seed, 0x01000193 ^ 0x9e3779b9)] as const

/** A v4-shaped UUID: a seed-keyed Feistel permutation of (page, index), so it is unique across a seed's pages. */
const uuidOf = (a: number, b: number, page: number, index: number): string => {
  let left = page >>> 0
  let right = index >>> 0
  for (const key of [a, b, a ^ 0x9e3779b9, b ^ 0x7f4a7c15]) [left, right] = [right, (left ^ fmix32(right ^ key)) >>> 0]
  const z = fmix32((left ^ a) + Math.imul(right, 0x9e3779b1))
  const x = hex8(left)
  const y = hex8(right)
  const v = hex8(fmix32(z ^ b))
  return `${x}-${y.slice(0, 4)}-4${y.slice(4, 7)}-${"89ab"[z & 3]}${y[7]}${v.slice(0, 2)}-${hex8(z)}${v.slice(2, 6)}`
}

const spoil = <U extends { readonly login: { readonly uuid: string; readonly username: string } }>(user: U, kind: number) => {
  const { uuid: _uuid, ...loginWithoutUuid } = user.login
  const { name: _name, ...userWithoutName } = user as U & { readonly name: unknown }
  if (kind === 0) return { ...user, login: loginWithoutUuid }
  if (kind === 1) return { ...user, login: { ...user.login, uuid: `not-a-uuid-${user.login.username}` } }
  if (kind === 2) return { ...user, dob: { date: "not a date", age: 0 } }
  return userWithoutName
}

/** The user at (seed, page, index), as the fake API serves it (a spoiled one if chosen invalid). */
export const generateUser = (seed: string, page: number, index: number, options: Pick<PageQuery, "nats" | "invalidUserRate"> = {}): Record<string, unknown> => {
  const [a, b] = seedHashes(seed)
  const userHash = fmix32(fmix32((page ^ a) >>> 0) ^ Math.imul(fmix32((index ^ b) >>> 0), 0x9e3779b1))
  const draw = new Draw(userHash)
  const nats = options.nats !== undefined && options.nats.length > 0 ? options.nats : AllNats
  const nat = draw.pick(nats)
  const nationality = Nationalities[nat]!
  const gender = draw.next() < 0.5 ? "male" : "female"
  const spaced = (text: string) => nationality.trailingSpaces === true && draw.next() < 0.3 ? `${text} ` : text
  const first = draw.pick(gender === "male" ? Male : Female)
  const last = draw.pick(Last)
  const [city, state] = draw.pick(nationality.places)
  const email = `${first}.${last}@example.com`.toLowerCase()
  const [offset, description] = draw.pick(Zones)
  const username = `${draw.pick(Adjectives)}${draw.pick(Animals)}${draw.int(1000)}`
  const portrait = `https://randomuser.me/api/portraits/${gender === "male" ? "men" : "women"}/${draw.int(100)}.jpg`
  const user = {
    gender,
    name: { title: gender === "male" ? "Mr" : draw.pick(["Ms", "Mrs", "Miss"]), first: spaced(first), last: spaced(last) },
    location: {
      street: { number: 1 + draw.int(9999), name: draw.pick(nationality.streets) },
      city: spaced(city), state, country: nationality.country,
      postcode: nationality.postcode(draw),
      coordinates: { latitude: (draw.next() * 180 - 90).toFixed(4), longitude: (draw.next() * 360 - 180).toFixed(4) },
      timezone: { offset, description }
    },
    email,
    login: { uuid: uuidOf(a, b, page, index), username, password: draw.pick(Animals), salt: draw.hex(1), md5: draw.hex(4), sha1: draw.hex(5), sha256: draw.hex(8) },
    dob: dated(draw, 1950, 55),
    registered: dated(draw, 2002, 20),
    phone: `(${draw.digits(3)}) ${draw.digits(3)}-${draw.digits(4)}`,
    cell: `(${draw.digits(3)}) ${draw.digits(3)}-${draw.digits(4)}`,
    id: nationality.id(draw),
    picture: { large: portrait, medium: portrait.replace("portraits/", "portraits/med/"), thumbnail: portrait.replace("portraits/", "portraits/thumb/") },
    nat
  }
  const rate = options.invalidUserRate ?? 0
  return rate > 0 && fmix32(userHash ^ 0x5bd1e995) / 4294967296 < rate ? spoil(user, userHash & 3) : user
}

/** The nationalities a `nat=us,gb` parameter asks for (case-insensitive); one unknown code or a space anywhere means all of them. */
export const parseNats = (nat: string | undefined): ReadonlyArray<string> => {
  const codes = (nat ?? "").toUpperCase().split(",")
  return nat === undefined || /\s/.test(nat) || !codes.every((code) => code in Nationalities) ? [] : codes
}

/** The `results` randomuser.me serves for the one asked: 1 unless it is an integer in 1..5000. */
export const servedResults = (results: number): number =>
  Number.isInteger(results) && results >= 1 && results <= MaxResults ? results : 1

/** The page randomuser.me serves for the one asked: pages above 10,000, zero, negative or fractional are page 1. */
export const servedPage = (page: number): number => Number.isInteger(page) && page >= 1 && page <= MaxPage ? page : 1

/** The page body (v1.4 shape) the fake API serves for a query. */
export const generatePage = (query: PageQuery) => {
  const results = servedResults(query.results)
  const page = servedPage(query.page)
  const users = new Array<Record<string, unknown>>(results)
  for (let i = 0; i < results; i++) users[i] = generateUser(query.seed, page, i, query)
  return { results: users, info: { seed: query.seed, results, page, version: "1.4" } }
}

/** The users a correct pipeline keeps from a page: the valid ones, transformed by the domain. */
export const expectedUsers = (query: PageQuery): ReadonlyArray<User> => transformPage(generatePage(query).results, query.nats?.join(",") ?? "").users
