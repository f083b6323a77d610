/** What the fake randomuser.me draws from: the part of a generated user that depends on its nationality. */
export interface Draw {
  next(): number
  int(max: number): number
  digits(count: number): string
  letters(count: number): string
}

/** One of randomuser.me v1.4's 21 nationalities, with the quirks of its data. */
export interface Nationality {
  readonly country: string
  readonly places: ReadonlyArray<readonly [city: string, state: string]>
  readonly streets: ReadonlyArray<string>
  /** A number for most nationalities, a string for CA, GB and NO. */
  readonly postcode: (draw: Draw) => number | string
  /** `value` is `null` for IR, NZ, TR and UA. */
  readonly id: (draw: Draw) => { readonly name: string; readonly value: string | null }
  /** BR, US, DK: first and last names and cities sometimes end in a space. */
  readonly trailingSpaces?: boolean
}

const numeric = (min: number, span: number) => (draw: Draw) => min + draw.int(span)
const named = (name: string, value: (draw: Draw) => string) => (draw: Draw) => ({ name, value: value(draw) })
const noId = () => ({ name: "", value: null })

export const Nationalities: Readonly<Record<string, Nationality>> = {
  AU: { country: "Australia", places: [["Perth", "Western Australia"], ["Hobart", "Tasmania"]], streets: ["George Street", "Victoria Road"], postcode: numeric(1000, 8999), id: named("TFN", (d) => d.digits(9)) },
  BR: { country: "Brazil", places: [["Curitiba", "Paraná"], ["Recife", "Pernambuco"]], streets: ["Rua São Jorge ", "Rua Dois ", "Avenida Brasil"], postcode: numeric(10000, 89999), id: named("CPF", (d) => `${d.digits(3)}.${d.digits(3)}.${d.digits(3)}-${d.digits(2)}`), trailingSpaces: true },
  CA: { country: "Canada", places: [["Toronto", "Ontario"], ["Calgary", "Alberta"]], streets: ["King St", "Dundas Rd"], postcode: (d) => `${d.letters(1)}${d.int(10)}${d.letters(1)} ${d.int(10)}${d.letters(1)}${d.int(10)}`, id: named("SIN", (d) => d.digits(9)) },
  CH: { country: "Switzerland", places: [["Bern", "Bern"], ["Luzern", "Luzern"]], streets: ["Bahnhofstrasse", "Rue du Lac"], postcode: numeric(1000, 8999), id: named("AVS", (d) => `756.${d.digits(4)}.${d.digits(4)}.${d.digits(2)}`) },
  DE: { country: "Germany", places: [["Berlin", "Berlin"], ["Köln", "Nordrhein-Westfalen"]], streets: ["Hauptstraße", "Gartenweg"], postcode: numeric(10000, 89999), id: named("SVNR", (d) => `${d.digits(8)} ${d.letters(1)} ${d.digits(3)}`) },
  DK: { country: "Denmark", places: [["Kongens Lyngby, Sjælland", "Hovedstaden"], ["Aarhus", "Midtjylland"]], streets: ["Kirkevej", "Skovvej, Øst"], postcode: numeric(1000, 8999), id: named("CPR", (d) => `${d.digits(6)}-${d.digits(4)}`), trailingSpaces: true },
  ES: { country: "Spain", places: [["Madrid", "Comunidad de Madrid"], ["Sevilla", "Andalucía"]], streets: ["Calle Mayor", "Avenida de América"], postcode: numeric(10000, 42999), id: named("DNI", (d) => `${d.digits(8)}-${d.letters(1)}`) },
  FI: { country: "Finland", places: [["Espoo", "Uusimaa"], ["Oulu", "Northern Ostrobothnia"]], streets: ["Mannerheimintie", "Hämeenkatu"], postcode: numeric(10000, 89999), id: named("HETU", (d) => `${d.digits(6)}-${d.digits(3)}${d.letters(1)}`) },
  FR: { country: "France", places: [["Lyon", "Rhône"], ["Nantes", "Loire-Atlantique"]], streets: ["Rue de la Paix", "Place du 8 Février 1962"], postcode: numeric(10000, 85999), id: named("INSEE", (d) => `${d.digits(13)} ${d.digits(2)}`) },
  GB: { country: "United Kingdom", places: [["Leeds", "West Yorkshire"], ["York", "North Yorkshire"]], streets: ["Church Road", "Mill Lane"], postcode: (d) => `${d.letters(2)}${d.int(10)} ${d.int(10)}${d.letters(2)}`, id: named("NINO", (d) => `${d.letters(2)} ${d.digits(2)} ${d.digits(2)} ${d.digits(2)} ${d.letters(1)}`) },
  IE: { country: "Ireland", places: [["Cork", "Cork"], ["Galway", "Galway"]], streets: ["Main Street", "Grafton Street"], postcode: numeric(10000, 89999), id: named("PPS", (d) => `${d.digits(7)}T`) },
  IN: { country: "India", places: [["Pune", "Maharashtra"], ["Chennai", "Tamil Nadu"]], streets: ["MG Road", "Station Road"], postcode: numeric(100000, 799999), id: named("UIDAI", (d) => d.digits(12)) },
  IR: { country: "Iran", places: [["Tehran", "Tehran"], ["Shiraz", "Fars"]], streets: ["Azadi", "Enghelab"], postcode: numeric(10000, 89999), id: noId },
  MX: { country: "Mexico", places: [["Puebla", "Puebla"], ["Mérida", "Yucatán"]], streets: ["Avenida Juárez", "Calle Hidalgo"], postcode: numeric(10000, 89999), id: named("NSS", (d) => `${d.digits(2)} ${d.digits(2)} ${d.digits(2)} ${d.digits(4)} ${d.digits(1)}`) },
  NL: { country: "Netherlands", places: [["Utrecht", "Utrecht"], ["Den Haag, Scheveningen", "Zuid-Holland"]], streets: ["Kerkstraat", "Molenweg, Noord"], postcode: numeric(1000, 8999), id: named("BSN", (d) => d.digits(8)) },
  NO: { country: "Norway", places: [["Oslo", "Oslo"], ["Bergen", "Vestland"]], streets: ["Storgata", "Kirkeveien"], postcode: (d) => d.digits(4), id: named("FN", (d) => d.digits(11)) },
  NZ: { country: "New Zealand", places: [["Wellington", "Wellington"], ["Dunedin", "Otago"]], streets: ["Queen Street", "Cuba Street"], postcode: numeric(1000, 8999), id: noId },
  RS: { country: "Serbia", places: [["Novi Sad", "Vojvodina"], ["Niš", "Nišava"]], streets: ["Kneza Miloša ", "Bulevar oslobođenja "], postcode: numeric(10000, 89999), id: named("SID", (d) => d.digits(13)) },
  TR: { country: "Turkey", places: [["İzmir", "İzmir"], ["Ankara", "Ankara"]], streets: ["Atatürk Sk", "Bağdat Cd"], postcode: numeric(10000, 89999), id: noId },
  UA: { country: "Ukraine", places: [["Kalush, Ivano-Frankivsk", "Ivano-Frankivska"], ["Lviv", "Lvivska"]], streets: ["", "Shevchenka, 2-a", "Khreshchatyk"], postcode: numeric(10000, 89999), id: noId },
  US: { country: "United States", places: [["Dallas", "Texas"], ["Portland", "Oregon"]], streets: ["Main Street", "Oak Avenue"], postcode: numeric(10000, 89999), id: named("SSN", (d) => `${d.digits(3)}-${d.digits(2)}-${d.digits(4)}`), trailingSpaces: true }
}
