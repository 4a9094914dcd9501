import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC emits the decorator metadata Nest and class-validator read; the default transform does not.
const decorators = swc.vite({
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
  },
});

export default defineConfig({
  plugins: [decorators],
  test: {
    projects: [
      {
        plugins: [decorators],
        test: { name: 'unit', include: ['test/unit/**/*.spec.ts'] },
      },
      {
        plugins: [decorators],
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e-spec.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // One database for all e2e files, cleaned between tests: files run one at a time.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [decorators],
        test: {
          // Adobe's Web SDK in Chromium behind a TLS front on port 443 (needs root and
          // `apt-get install -y chromium`): `npm run test:browser`.
          name: 'browser',
          include: ['test/browser/**/*.browser-spec.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [decorators],
        test: {
          // Fault scenarios run the built service as a process and break it: one file at a time.
          name: 'faults',
          include: ['test/faults/**/*.faults-spec.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
