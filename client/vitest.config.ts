import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The board page's modules import the SDK by its package name (as an app would).
    alias: [
      { find: /^liveplan-client\/react$/, replacement: fileURLToPath(new URL('./src/react.ts', import.meta.url)) },
      { find: /^liveplan-client$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests have their own run: npm run test:browser.
    exclude: ['test/browser/**', '**/node_modules/**'],
    // The integration tests each start the real server; one file at a time keeps their
    // timing away from the other files' load on a small machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
