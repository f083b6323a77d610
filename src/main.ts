#!/usr/bin/env node
// Entry point. Node's on-disk compile cache is enabled before the CLI's modules load: from the second
// start on, they load from cached bytecode (stream start -> ready ~990 -> ~850 ms here).
import { enableCompileCache } from "node:module"

enableCompileCache()
await import("./cli/Main.ts")
