import { defineConfig } from "vitest/config"

/** Loaded first in every test worker: the tests use kafkajs in-process too (src/DropTimeoutNegativeWarning.ts). */
const setupFiles = ["src/DropTimeoutNegativeWarning.ts"]

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], setupFiles } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/globalSetup.ts"],
          setupFiles,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false
        }
      },
      {
        test: {
          name: "cluster",
          include: ["test/cluster/**/*.test.ts"],
          globalSetup: ["test/cluster/globalSetup.ts"],
          setupFiles: [...setupFiles, "test/cluster/setup.ts"],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false
        }
      },
      {
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          globalSetup: ["test/integration/globalSetup.ts"],
          setupFiles,
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false
        }
      }
    ]
  }
})
