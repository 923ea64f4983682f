import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // gRPC servers and child processes per file: keep files isolated but bounded for a 2-core machine.
    pool: "forks",
    maxWorkers: 2,
  },
});
