/**
 * The real `liveplan serve` binary, started by the tests: dev mode (no key: tokens from
 * `POST /api/dev/token` or `liveplan token`), a fresh SQLite database in a temp dir, on a
 * free loopback port (or a given one, to restart on the same address).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** `LIVEPLAN_BIN`, else `$CARGO_TARGET_DIR/debug/liveplan`, else the repo's `target/debug/liveplan`. */
export function liveplanBin(): string {
  const bin =
    process.env.LIVEPLAN_BIN ??
    join(process.env.CARGO_TARGET_DIR ?? resolve(here, '../../../target'), 'debug/liveplan');
  if (!existsSync(bin))
    throw new Error(
      `the liveplan binary is not at ${bin}: build it first (\`cargo build\` in the repository, ` +
        'with the same CARGO_TARGET_DIR), or point LIVEPLAN_BIN at it',
    );
  return bin;
}

export interface Server {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The temp dir holding the database. */
  readonly dir: string;
  readonly logs: string[];
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Reuse this dir's database (a restart); default: a fresh temp dir. */
  dir?: string;
  /** Default 0: any free port. */
  port?: number;
  env?: Record<string, string>;
}

/** A clean environment: none of the caller's LIVEPLAN_* or DATABASE_URL. */
function childEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('LIVEPLAN_') && k !== 'DATABASE_URL' && k !== 'RUST_LOG') env[k] = v;
  return {
    ...env,
    DATABASE_URL: `sqlite://${join(dir, 'liveplan.db')}`,
    RUST_LOG: 'info',
    // The tests write faster than a person; the limits themselves are the server's tests' job.
    LIVEPLAN_REST_RATE_BURST: '10000',
    LIVEPLAN_REST_RATE_PER_SEC: '10000',
    LIVEPLAN_WS_CONNECT_RATE_BURST: '10000',
    LIVEPLAN_WS_CONNECT_RATE_PER_SEC: '10000',
    ...extra,
  };
}

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export async function startServer(options: StartOptions = {}): Promise<Server> {
  const bin = liveplanBin();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'liveplan-client-'));
  const child = spawn(bin, ['serve', '--bind', `127.0.0.1:${options.port ?? 0}`], {
    env: childEnv(dir, options.env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.add(child);
  const logs: string[] = [];
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not log its port:\n${logs.join('\n')}`)), 30_000);
    let rest = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        const m = /listening on port (\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          done(Number(m[1]));
        }
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`the server exited before listening:\n${logs.join('\n')}`));
    });
  });
  return {
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    dir,
    logs,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      started.delete(child);
    },
  };
}

/** Kills the server and removes its temp dir. */
export async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await server.kill();
  rmSync(server.dir, { recursive: true, force: true });
}

/** A dev-mode token (24 h) from `POST /api/dev/token`. */
export async function devToken(url: string, userId: string, name = userId): Promise<string> {
  const res = await fetch(`${url}/api/dev/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId, name }),
  });
  if (!res.ok) throw new Error(`dev token: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A token of any lifetime, from `liveplan token` with the server's stored dev secret. */
export function cliToken(server: Server, userId: string, ttl: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      liveplanBin(),
      ['token', '--user', userId, '--name', userId, '--ttl', ttl],
      { env: childEnv(server.dir) },
      (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout.trim())),
    );
  });
}

/** Polls `check` every 10 ms until it holds, or fails after `ms` naming `what`. */
export async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Seqs `from..to`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
