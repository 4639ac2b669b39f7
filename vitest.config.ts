// Test runner configuration for the whole workspace: unit tests live next to each
// package (packages/*/test), cross-package end-to-end tests in test/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous per-test limits: on a machine loaded far beyond its cores (other builds,
    // CPU-bound neighbours) a parity or QEMU test that takes 40 s when quiet can take
    // several minutes; a real hang is still caught, and every spawned tool has its own timeout.
    // Test code never blocks its worker for long (parity runs yield between vectors, heavy
    // work runs in child processes), so vitest's worker RPC (60 s) is answered even then.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});
