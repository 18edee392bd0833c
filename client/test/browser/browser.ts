/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (no browser
 * download), one context per user, sign-in through the page itself, and a screenshot of
 * every open page when a test fails (under `client/test-results/browser/`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const RESULTS = join(here, '../../test-results/browser');

/** `CHROMIUM`, else Debian's `/usr/bin/chromium` (`apt-get install -y chromium`). */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(`no Chromium at ${path}: install Debian's (\`apt-get install -y chromium\`) or set CHROMIUM`);
  return path;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
}

const pages = new Set<{ page: Page; label: string }>();

/** A new browser context (its own storage: its own user) with one page. */
export async function newUserPage(browser: Browser, label: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const entry = { page, label };
  pages.add(entry);
  page.on('close', () => pages.delete(entry));
  page.on('pageerror', (e) => console.error(`[${label}] page error: ${e.message}`));
  return page;
}

/** Saves every open page as a PNG when the test failed (call in `afterEach`, before closing). */
export async function screenshotsIfFailed(task: { name: string; result?: { state?: string } }): Promise<void> {
  if (task.result?.state !== 'fail') return;
  mkdirSync(RESULTS, { recursive: true });
  const base = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
  for (const { page, label } of pages) {
    const path = join(RESULTS, `${base}-${label}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => undefined);
    console.error(`screenshot: ${path}`);
  }
}

export async function closeAll(browser: Browser | undefined): Promise<void> {
  for (const { page } of [...pages]) await page.context().close().catch(() => undefined);
  pages.clear();
  await browser?.close();
}

/** Opens the page and signs in by name (dev mode). */
export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Plans' }).waitFor();
}

/** A column of the board, by its name. */
export function column(page: Page, name: string): Locator {
  return page.getByRole('region', { name, exact: true });
}

/** The titles of the cards a column shows, in order (a card is named by its title). */
export async function cardTitles(page: Page, columnName: string): Promise<string[]> {
  return column(page, columnName)
    .getByRole('list', { name: `${columnName} cards`, exact: true })
    .getByRole('listitem')
    .evaluateAll((items) => items.map((li) => li.getAttribute('aria-label') ?? ''));
}

/** The names of the board's columns, in order. */
export async function columnNames(page: Page): Promise<string[]> {
  return page
    .getByRole('group', { name: 'Board' })
    .getByRole('region')
    .evaluateAll((sections) => sections.map((s) => s.getAttribute('aria-label') ?? ''));
}

/** Opens a column's settings (editors). */
export async function columnSettings(page: Page, columnName: string): Promise<Locator> {
  const col = column(page, columnName);
  await col.getByRole('button', { name: `Settings of column ${columnName}`, exact: true }).click();
  return col;
}

export function card(page: Page, title: string): Locator {
  return page.getByRole('listitem', { name: title, exact: true });
}

export function connection(page: Page): Locator {
  return page.getByRole('status', { name: 'Connection' });
}

/** Waits until the page says it is live on the plan. */
export async function live(page: Page, timeout = 10_000): Promise<void> {
  await connection(page).filter({ hasText: /^Live$/ }).waitFor({ timeout });
}

/** Adds a task to a column through the page. */
export async function addTask(page: Page, columnTitle: string, title: string): Promise<void> {
  const input = page.getByLabel(`New task in ${columnTitle}`);
  await input.fill(title);
  await input.press('Enter');
  await card(page, title).waitFor();
}
