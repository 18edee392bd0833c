import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the board page in Chromium (test/browser/), against the real binary.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^liveplan-client\/react$/, replacement: fileURLToPath(new URL('./src/react.ts', import.meta.url)) },
      { find: /^liveplan-client$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/browser/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
