import { availableParallelism } from 'node:os'
import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Tests run on the TypeScript sources of the workspace packages (the `@latch/source` export
// condition), so `npm test` needs no build of the code under test.
// Without 'module': packages such as the AWS SDK point it at builds Node cannot load.
const conditions = ['@latch/source', ...defaultServerConditions.filter((c) => c !== 'module')]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    setupFiles: ['./vitest.setup.ts'],
    // Vitest's default, one worker fewer than the cores, is one worker on a 2-core machine: the
    // suite then runs file after file, most of them waiting on key-server processes, Ceph or a
    // browser. Two workers at least keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.unit.test.ts', 'examples/*/test/**/*.unit.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.integration.test.ts',
            'examples/*/test/**/*.integration.test.ts',
          ],
          globalSetup: ['./vitest.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['packages/*/test/**/*.e2e.test.ts', 'examples/*/test/**/*.e2e.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
