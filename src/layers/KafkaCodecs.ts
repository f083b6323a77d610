import kafkajs, { CompressionTypes } from "kafkajs"
import { createRequire } from "node:module"
import { promisify } from "node:util"
import * as zlib from "node:zlib"

/** The two pure-JavaScript codec libraries (CommonJS, no types of their own): what is called of them. */
interface BlockCodec {
  readonly compress: (input: Uint8Array) => Uint8Array
  readonly uncompress: (input: Uint8Array) => Uint8Array
}
interface FrameCodec {
  readonly compress: (input: Uint8Array) => Uint8Array
  readonly decompress: (input: Uint8Array) => Uint8Array
}
const require = createRequire(import.meta.url)
const snappy: BlockCodec = require("snappyjs")
const lz4: FrameCodec = require("lz4js")

const zstdCompress = promisify(zlib.zstdCompress)
const zstdDecompress = promisify(zlib.zstdDecompress)

/** The codecs `KAFKA_COMPRESSION` can name; every client also reads each of them (none and gzip are kafkajs' own). */
export const compressionTypes = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, zstd: CompressionTypes.ZSTD } as const

export type Compression = keyof typeof compressionTypes

/** xerial snappy-java's stream header, which Kafka's Java clients put before their Snappy blocks. */
const xerialMagic = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const xerialHeaderBytes = 16
const xerialBlockBytes = 32 * 1024

/** A Snappy batch as Kafka clients write it: xerial framing (header, then `[int32 length][block]`…), or one raw block. */
export const snappyDecompress = (buffer: Buffer): Buffer => {
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

/** Snappy in xerial framing (version 1, compatible 1, 32 KiB blocks), as the Java producer writes it. */
export const snappyCompress = (buffer: Buffer): Buffer => {
  const header = Buffer.alloc(xerialHeaderBytes)
  xerialMagic.copy(header)
  header.writeInt32BE(1, 8)
  header.writeInt32BE(1, 12)
  const parts = [header]
  for (let at = 0; at < buffer.length; at += xerialBlockBytes) {
    const block = Buffer.from(snappy.compress(buffer.subarray(at, at + xerialBlockBytes)))
    const size = Buffer.alloc(4)
    size.writeInt32BE(block.length)
    parts.push(size, block)
  }
  return Buffer.concat(parts)
}

/**
 * Registers what kafkajs does not ship (it has only gzip): zstd from Node's own zlib, Snappy and LZ4 from
 * pure-JavaScript libraries. `KAFKA_COMPRESSION` sends zstd, gzip or none; every client reads all five, so a
 * batch a Java producer compressed with Snappy or LZ4 (`compression.type`) is read, not a consumer crash.
 */
export const registerCodecs = (): void => {
  // kafkajs is CommonJS and Node cannot see `CompressionCodecs` as a named export: it is reached through the default one.
  const codecs = kafkajs.CompressionCodecs
  codecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { readonly buffer: Buffer }) => zstdCompress(encoder.buffer),
    decompress: (buffer: Buffer) => zstdDecompress(buffer)
  })
  codecs[CompressionTypes.Snappy] = () => ({
    compress: (encoder: { readonly buffer: Buffer }) => Promise.resolve(snappyCompress(encoder.buffer)),
    decompress: (buffer: Buffer) => Promise.resolve(snappyDecompress(buffer))
  })
  codecs[CompressionTypes.LZ4] = () => ({
    compress: (encoder: { readonly buffer: Buffer }) => Promise.resolve(Buffer.from(lz4.compress(encoder.buffer))),
    decompress: (buffer: Buffer) => Promise.resolve(Buffer.from(lz4.decompress(buffer)))
  })
}
