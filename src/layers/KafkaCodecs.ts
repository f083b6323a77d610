import kafkajs, { CompressionTypes } from "kafkajs"
import { promisify } from "node:util"
import * as zlib from "node:zlib"

const zstdCompress = promisify(zlib.zstdCompress)
const zstdDecompress = promisify(zlib.zstdDecompress)

/** The codecs `KAFKA_COMPRESSION` can name; every client also reads each of them (none and gzip are kafkajs' own). */
export const compressionTypes = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, zstd: CompressionTypes.ZSTD } as const

export type Compression = keyof typeof compressionTypes

/**
 * Registers zstd, from Node's own zlib, with kafkajs (which ships only gzip): producers can send it and consumers read
 * batches any client compressed with it. Snappy and LZ4 stay unsupported (kafkajs fails their batches).
 */
export const registerZstd = (): void => {
  // kafkajs is CommonJS and Node cannot see `CompressionCodecs` as a named export: it is reached through the default one.
  kafkajs.CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { readonly buffer: Buffer }) => zstdCompress(encoder.buffer),
    decompress: (buffer: Buffer) => zstdDecompress(buffer)
  })
}
