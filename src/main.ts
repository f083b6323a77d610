#!/usr/bin/env node
// Entry point. Only dynamic imports here, so that each step below runs before the CLI's modules load.

// An older Node than package.json's engines would die on an import with an obscure SyntaxError: say what to run instead.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `error: users-pipeline needs Node >= 22.19, this is ${process.version}; ` +
      "run it with the project's pinned Node 24: npx users-pipeline <command> (after npm ci)"
  )
  process.exit(1)
}

// The heap sized for the program, not for the host (V8 would size it from this machine's memory): see HeapSizing.ts.
const { sizeHeap } = await import("./HeapSizing.ts")
sizeHeap()

// kafkajs' TimeoutNegativeWarning, and only that warning, is dropped before anything loads kafkajs.
await import("./DropTimeoutNegativeWarning.ts")

// Node's on-disk compile cache: from the second start on, the CLI's modules load from cached bytecode
// (stream start -> ready ~990 -> ~850 ms here).
const { enableCompileCache } = await import("node:module")
enableCompileCache()
await import("./cli/Cli.ts")
