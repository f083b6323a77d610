import { randomUUID } from "node:crypto"
import type { User } from "../../src/domain/User.ts"
import type { UsersPage } from "../../src/domain/RandomUser.ts"

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0").slice(-width)

/** A v4-shaped UUID that is a function of `n`. */
export const uuidOf = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n * 7919, 12)}`

/** A user as randomuser.me v1.4 sends it; numbered users alternate numeric and string postcodes. */
export const rawUser = (n: number): Record<string, unknown> => ({
  gender: n % 2 === 0 ? "female" : "male",
  name: { title: "Ms", first: `First${n}`, last: `Last${n}` },
  location: {
    street: { number: 100 + n, name: "Calle Mayor" },
    city: "Madrid",
    state: "Comunidad de Madrid",
    country: "Spain",
    postcode: n % 2 === 0 ? 28000 + n : `SW1A ${n}`,
    coordinates: { latitude: "40.4", longitude: "-3.7" },
    timezone: { offset: "+1:00", description: "Madrid" }
  },
  email: `user${n}@example.com`,
  login: { uuid: uuidOf(n), username: `user${n}`, password: "secret", salt: "s", md5: "m", sha1: "s", sha256: "s" },
  dob: { date: "1990-05-17T08:30:00.000Z", age: 36 },
  registered: { date: "2015-01-02T03:04:05.000Z", age: 11 },
  phone: "912-345-678",
  cell: "612-345-678",
  id: n % 3 === 0 ? { name: "", value: null } : { name: "DNI", value: `${n}-X` },
  picture: { large: "https://example.com/l.jpg", medium: `https://example.com/m/${n}.jpg`, thumbnail: "https://example.com/t.jpg" },
  nat: "ES"
})

/** A page of numbered users, the first user being `first`. */
export const page = (first: number, results: number, seed = "test", pageNo = 1): UsersPage => ({
  results: Array.from({ length: results }, (_, i) => rawUser(first + i)),
  info: { seed, results, page: pageNo, version: "1.4" }
})

/** A message as the seed's Python DAG sends it: any uuid4 as `id`, a numeric `post_code`. */
export const seedDagMessage = (id: string) => ({
  id,
  first_name: "Ana",
  last_name: "García",
  gender: "female",
  address: "12 Gran Vía, Madrid, Madrid, Spain",
  post_code: 28013,
  email: "ana@example.com",
  username: "anag",
  dob: "1985-03-04T10:11:12.000Z",
  registered_date: "2010-06-07T08:09:10.000Z",
  phone: "600-000-000",
  picture: "https://randomuser.me/api/portraits/med/women/1.jpg"
})

/** A valid `User` record as the stream writes it (a text post code), by default with a fresh random id. */
export const userRecord = (id: string = randomUUID()): User => ({ ...seedDagMessage(id), post_code: "28013" })
