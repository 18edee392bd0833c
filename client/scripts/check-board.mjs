// Fails when the committed board page (board/dist/, embedded in the server binary) is not
// what its sources build to: builds into a temporary folder and compares every file.
// `npm run board:build` brings the committed copy up to date.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const client = fileURLToPath(new URL('..', import.meta.url));
const committed = join(client, 'board', 'dist');
const fresh = mkdtempSync(join(tmpdir(), 'liveplan-board-'));

function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

try {
  const vite = join(client, 'node_modules', 'vite', 'bin', 'vite.js');
  const build = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'board/vite.config.ts', '--outDir', fresh, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: client, stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error(`vite build failed (exit ${build.status})`);
  const want = files(fresh);
  let have = [];
  try {
    have = files(committed);
  } catch {
    // no committed build at all: every file is missing
  }
  const problems = [];
  for (const f of want) {
    if (!have.includes(f)) problems.push(`missing from board/dist: ${f}`);
    else if (!readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f)))) problems.push(`differs: ${f}`);
  }
  for (const f of have) if (!want.includes(f)) problems.push(`not built from the sources: board/dist/${f}`);
  if (problems.length) {
    console.error('The committed board page is not what its sources build to:');
    for (const p of problems) console.error(`  ${p}`);
    console.error('Run `npm run board:build` in client/ and commit board/dist/.');
    process.exit(1);
  }
  console.log(`board/dist matches a fresh build (${want.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
