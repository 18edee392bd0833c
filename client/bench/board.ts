/**
 * The board page's numbers for BENCHMARKS.md (measured, not asserted: this is not a test).
 *
 * 1. A change by one page reaches the other page's DOM: Ann's page moves a card with the
 *    keyboard (Alt+→ / Alt+←), Bob's page watches for it with a MutationObserver; the
 *    time from Ann's keydown to the card in Bob's column, over 200 moves (p50, p99, max).
 *    Both pages are in one Chromium on this machine, so their clocks are the same clock.
 * 2. Reconnect to "caught up" after a server restart with 1,000 missed events: the server
 *    is killed, a second server on the same database writes 500 tasks through REST (1,000
 *    events: task-created + progress-updated), then the server starts again on its port.
 *    Measured for an SDK client in Node (time from `connected` to the last event, and
 *    frames received) and for Bob's board page (time from the restart until the 500th
 *    new card is in its DOM, backoff wait included).
 *
 * Run: `LIVEPLAN_BIN=<repo>/target/release/liveplan npm run bench:board` (a release
 * build, and Chromium; `MOVES` and `MISSED_TASKS` change the counts).
 */
import WebSocket from 'ws';
import { LivePlanApi, LivePlanClient } from '../src/index.js';
import { startServer, stopServer, type Server } from '../test/helpers/server.js';
import { closeAll, launch, live, newUserPage, signIn } from '../test/browser/browser.js';

const MOVES = Number(process.env.MOVES ?? 200);
const MISSED_TASKS = Number(process.env.MISSED_TASKS ?? 500);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (x: number) => Math.round(x * 10) / 10;

async function devToken(url: string, userId: string, name: string): Promise<string> {
  return (await new LivePlanApi({ url }).devToken({ userId, name })).token;
}

async function main() {
  let server: Server | undefined = await startServer();
  const browser = await launch();
  try {
    const url = server.url;
    const ann = new LivePlanApi({ url, token: await devToken(url, 'u-ann', 'Ann') });
    const plan = await ann.createPlan({ title: 'Bench' });
    await ann.setMember(plan.id, 'u-bob', { role: 'editor', name: 'Bob' });
    await ann.createTask(plan.id, { title: 'Card' });

    const pageA = await newUserPage(browser, 'ann');
    const pageB = await newUserPage(browser, 'bob');
    for (const [page, name] of [
      [pageA, 'Ann'],
      [pageB, 'Bob'],
    ] as const) {
      await signIn(page, url, name);
      await page.goto(`${url}/#/plans/${encodeURIComponent(plan.id)}`);
      await live(page);
    }

    // ---- 1. DOM to DOM ----
    const latencies: number[] = [];
    for (let i = 0; i < MOVES; i++) {
      const [key, column] = i % 2 === 0 ? ['ArrowRight', 'In progress'] : ['ArrowLeft', 'To do'];
      await pageB.evaluate((col) => {
        const found = () =>
          document.querySelector(`section[aria-label="${col}"] li[aria-label="Card"]`) !== null;
        (window as any).__seen = new Promise<number>((resolve) => {
          const observer = new MutationObserver(() => {
            if (!found()) return;
            observer.disconnect();
            resolve(performance.timeOrigin + performance.now());
          });
          observer.observe(document.body, { subtree: true, childList: true });
        });
      }, column);
      const sent = await pageA.evaluate((k) => {
        const card = document.querySelector<HTMLElement>('li[aria-label="Card"]')!;
        const t0 = performance.timeOrigin + performance.now();
        card.dispatchEvent(new KeyboardEvent('keydown', { key: k, altKey: true, bubbles: true }));
        return t0;
      }, key);
      const seen = await pageB.evaluate(() => (window as any).__seen as Promise<number>);
      latencies.push(seen - sent);
      // Ann's own answer (the new version) must be in before her next move.
      await pageA.waitForTimeout(40);
    }
    latencies.sort((a, b) => a - b);
    const dom = {
      moves: latencies.length,
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies[latencies.length - 1]!),
      min_ms: round(latencies[0]!),
    };
    console.log(JSON.stringify({ dom_to_dom: dom }));

    // ---- 2. Restart with missed events ----
    const sdk = new LivePlanClient({ url, token: await devToken(url, 'u-bob', 'Bob'), WebSocket: WebSocket as never });
    const snapshot = await ann.getPlan(plan.id);
    const sub = sdk.plan(plan.id, { since: snapshot.seq });
    await new Promise<void>((r) => sub.on('joined', () => r()));
    const port = server.port;
    const dir = server.dir;
    const cardsBefore = await pageB.locator('li[data-task-id]').count();
    await server.kill();

    const other = await startServer({ dir });
    const writer = new LivePlanApi({ url: other.url, token: await devToken(other.url, 'u-ann', 'Ann') });
    for (let i = 0; i < MISSED_TASKS; i++) await writer.createTask(plan.id, { title: `Missed ${i}` });
    const target = (await writer.getPlan(plan.id)).seq;
    const missed = target - snapshot.seq;
    await other.kill();

    let frames = 0;
    let connectedAt = 0;
    const caughtUp = new Promise<number>((resolve) => {
      sdk.on('frame', () => frames++);
      sdk.on('connected', () => {
        connectedAt = performance.now();
        frames = 1;
      });
      sub.on('*', (e) => {
        if (e.seq === target) resolve(performance.now());
      });
    });
    const restartedAt = performance.now();
    server = await startServer({ dir, port });
    const listeningAt = performance.now();
    const pageDone = pageB
      .locator('li[data-task-id]')
      .nth(cardsBefore + MISSED_TASKS - 1)
      .waitFor({ timeout: 120_000 })
      .then(() => performance.now());
    const sdkDone = await caughtUp;
    const pageAt = await pageDone;
    console.log(
      JSON.stringify({
        restart: {
          missed_events: missed,
          sdk_connected_to_caught_up_ms: round(sdkDone - connectedAt),
          sdk_frames_connected_to_caught_up: frames,
          sdk_listening_to_caught_up_ms: round(sdkDone - listeningAt),
          page_restart_to_all_cards_ms: round(pageAt - restartedAt),
          server_start_ms: round(listeningAt - restartedAt),
        },
      }),
    );
    sdk.close();
  } finally {
    await closeAll(browser);
    await stopServer(server);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
