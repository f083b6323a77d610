import { Config, Effect, Option, Redacted, Schema, SchemaGetter, SchemaIssue } from "effect"
import { readFileSync } from "node:fs"

/** PEM text read from the file a variable names, at start: a missing, unreadable or non-PEM file fails naming the variable (never its contents). */
const PemFile = Schema.String.pipe(Schema.decodeTo(Schema.String, {
  decode: SchemaGetter.transformEffect((path: string) => {
    const fail = (why: string) => Effect.fail(new SchemaIssue.InvalidValue({ message: `${path}: ${why}` }, path))
    let text: string
    try {
      text = readFileSync(path, "utf8")
    } catch (error) {
      return fail(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? "error"})`)
    }
    return text.includes("-----BEGIN ") ? Effect.succeed(text) : fail("not a PEM file (no -----BEGIN line)")
  }),
  encode: SchemaGetter.forbidden(() => "PEM file contents are not written back to a path")
}))

/** TLS material for a client connection: CA bundle, client certificate and key (mTLS), the server name to verify. */
export interface TlsFiles {
  readonly ca: Option.Option<string>
  readonly cert: Option.Option<string>
  readonly key: Option.Option<Redacted.Redacted<string>>
}

/** A certificate needs its key and the other way round; either alone fails naming both variables. */
const pairedWith = (name: string, other: string) =>
  Config.fail(new Schema.SchemaError(new SchemaIssue.InvalidValue({ message: `${name} is set but ${other} is not: a client certificate needs its key` })))

/** The variables naming a client's TLS files. */
export interface TlsFileVariables {
  readonly ca: string
  readonly cert: string
  readonly key: string
}

/** Reads the CA bundle, client certificate and key files the variables name (all optional; certificate and key together). */
export const tlsFiles = (names: TlsFileVariables): Config.Config<TlsFiles> =>
  Config.all({
    ca: Config.option(Config.schema(PemFile, names.ca)),
    cert: Config.option(Config.schema(PemFile, names.cert)),
    key: Config.option(Config.schema(PemFile, names.key).pipe(Config.map(Redacted.make)))
  }).pipe(Config.flatMap((files) =>
    Option.isSome(files.cert) && Option.isNone(files.key)
      ? pairedWith(names.cert, names.key)
      : Option.isNone(files.cert) && Option.isSome(files.key)
      ? pairedWith(names.key, names.cert)
      : Config.succeed(files)
  ))

/** The `tls.connect` options of the files (the key revealed only here, for the driver). */
export const tlsConnectOptions = (files: TlsFiles) => ({
  ...Option.match(files.ca, { onNone: () => ({}), onSome: (ca) => ({ ca: [ca] }) }),
  ...Option.match(files.cert, { onNone: () => ({}), onSome: (cert) => ({ cert }) }),
  ...Option.match(files.key, { onNone: () => ({}), onSome: (key) => ({ key: Redacted.value(key) }) })
})
