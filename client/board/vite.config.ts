// Builds the board page into client/board/dist/, which the server embeds (src/routes/board.rs).
// The SDK is bundled from its sources, so the page always matches the SDK in this commit.
// The output must not depend on the machine: `npm run board:check` (in .ci/run) builds
// again and compares with the committed dist/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  // The server serves only index.html and /assets/*: no public dir.
  publicDir: false,
  resolve: {
    alias: [
      { find: /^liveplan-client\/react$/, replacement: here('../src/react.ts') },
      { find: /^liveplan-client$/, replacement: here('../src/index.ts') },
    ],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inlined assets: the page's CSP allows data: images only.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    // `npm run board:dev` with the server on :8080: the page talks to it through this proxy.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
