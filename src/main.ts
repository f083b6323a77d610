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

// V8 lets the old space grow to a few times what is live before it collects it (with this host's 24 GiB, a draining
// `stream` whose live heap is ~80 MiB sat at 410–430 MiB RSS); at 1.2× it sits at 315–335 MiB, rows/s the same within
// the box's noise (bench/README.md). A `--heap-growing-percent` given to node itself is left as given. For a smaller
// heap still, at a cost in rows/s, see the README's Performance section (`--semi-space-growth-factor=1`).
if (!process.execArgv.some((arg) => arg.replaceAll("_", "-").startsWith("--heap-growing-percent"))) {
  const { setFlagsFromString } = await import("node:v8")
  setFlagsFromString("--heap-growing-percent=20")
}

// kafkajs' TimeoutNegativeWarning, and only that warning, is dropped before anything loads kafkajs.
await import("./DropTimeoutNegativeWarning.ts")

// Node's on-disk compile cache: from the second start on, the CLI's modules load from cached bytecode
// (stream start -> ready ~990 -> ~850 ms here).
const { enableCompileCache } = await import("node:module")
enableCompileCache()
await import("./cli/Cli.ts")
