// The SDK's size as an app would ship it: src/index.ts bundled, minified, gzipped.
// Prints one line; fails when it grows past the budget.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const BUDGET = 6 * 1024;
const result = await build({
  entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  write: false,
});
const code = result.outputFiles[0].contents;
const gzipped = gzipSync(code, { level: 9 }).length;
console.log(`liveplan-client: ${code.length} bytes minified, ${gzipped} bytes minified + gzipped (budget ${BUDGET})`);
if (gzipped > BUDGET) {
  console.error(`over the ${BUDGET}-byte budget`);
  process.exit(1);
}
