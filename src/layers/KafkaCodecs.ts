import kafkajs, { CompressionTypes } from "kafkajs"
import { createRequire } from "node:module"
import { promisify } from "node:util"
import * as zlib from "node:zlib"

/** The two pure-JavaScript codec libraries (CommonJS, no types of their own): what is called of them. */
const require = createRequire(import.meta.url)
const snappy: { readonly uncompress: (input: Uint8Array) => Uint8Array } = require("snappyjs")
const lz4: { readonly decompress: (input: Uint8Array) => Uint8Array } = require("lz4js")

const zstdCompress = promisify(zlib.zstdCompress)
const zstdDecompress = promisify(zlib.zstdDecompress)

/** The codecs `KAFKA_COMPRESSION` can name; every client also reads each of them (none and gzip are kafkajs' own). */
export const compressionTypes = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, zstd: CompressionTypes.ZSTD } as const

export type Compression = keyof typeof compressionTypes

/** xerial snappy-java's stream header, which Kafka's Java clients put before their Snappy blocks. */
const xerialMagic = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const xerialHeaderBytes = 16

/** A Snappy batch as Kafka clients write it: xerial framing (header, then `[int32 length][block]`…), or one raw block. */
const snappyDecompress = (buffer: Buffer): Buffer => {
  if (buffer.length < xerialHeaderBytes || !buffer.subarray(0, xerialMagic.length).equals(xerialMagic)) {
    return Buffer.from(snappy.uncompress(buffer))
  }
  const blocks: Array<Buffer> = []
  for (let at = xerialHeaderBytes; at < buffer.length;) {
    const size = buffer.readInt32BE(at)
    at += 4
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(at, at + size))))
    at += size
  }
  return Buffer.concat(blocks)
}

/** Snappy and LZ4 are read, never sent: the producers send what `KAFKA_COMPRESSION` names. */
const readOnly = (codec: string) => (): Promise<Buffer> =>
  Promise.reject(new Error(`${codec} is only read here; KAFKA_COMPRESSION sends zstd, gzip or none`))

/**
 * Registers what kafkajs does not ship (it has only gzip): zstd from Node's own zlib, and reading Snappy and LZ4
 * with pure-JavaScript libraries. `KAFKA_COMPRESSION` sends zstd, gzip or none; every client reads all five, so a
 * batch a Java producer compressed with Snappy or LZ4 (`compression.type`) is read, not a consumer crash.
 */
export const registerCodecs = (): void => {
  // kafkajs is CommonJS and Node cannot see `CompressionCodecs` as a named export: it is reached through the default one.
  const codecs = kafkajs.CompressionCodecs
  codecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { readonly buffer: Buffer }) => zstdCompress(encoder.buffer),
    decompress: (buffer: Buffer) => zstdDecompress(buffer)
  })
  codecs[CompressionTypes.Snappy] = () => ({ compress: readOnly("Snappy"), decompress: (buffer: Buffer) => Promise.resolve(snappyDecompress(buffer)) })
  codecs[CompressionTypes.LZ4] = () => ({ compress: readOnly("LZ4"), decompress: (buffer: Buffer) => Promise.resolve(Buffer.from(lz4.decompress(buffer))) })
}
