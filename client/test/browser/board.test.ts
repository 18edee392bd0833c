/**
 * The board page in Chromium, against the real server binary (which serves the page's
 * embedded build): two users in two browser contexts on one board.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { LivePlanApi } from '../../src/index.js';
import { startServer, stopServer, type Server } from '../helpers/server.js';
import {
  addTask,
  card,
  cardTitles,
  closeAll,
  column,
  columnNames,
  columnSettings,
  connection,
  launch,
  live,
  newUserPage,
  screenshotsIfFailed,
  signIn,
} from './browser.js';

let server: Server | undefined;
let browser: Browser | undefined;

beforeEach(async () => {
  server = await startServer();
  browser = await launch();
});
afterEach(async (ctx) => {
  await screenshotsIfFailed(ctx.task);
  await closeAll(browser);
  await stopServer(server);
  browser = undefined;
  server = undefined;
});

/** Ann creates a plan and adds Bob with `role`; both have it open. Answers the plan's id too. */
async function twoOnOneBoard(role: 'editor' | 'viewer' = 'editor', bobName = 'Bob'): Promise<{ ann: Page; bob: Page; planId: string }> {
  const url = server!.url;
  const ann = await newUserPage(browser!, 'ann');
  await signIn(ann, url, 'Ann');
  await ann.getByLabel('New plan').fill('Launch');
  await ann.getByRole('button', { name: 'Create plan' }).click();
  await live(ann);
  await ann.getByRole('button', { name: /^Members/ }).click();
  await ann.getByLabel('Add someone (name or user id)').fill(bobName);
  await ann.getByRole('combobox', { name: 'Role', exact: true }).selectOption(role);
  await ann.getByRole('button', { name: 'Add', exact: true }).click();
  await ann.getByRole('complementary', { name: 'Members' }).getByText(bobName, { exact: true }).waitFor();
  const planId = decodeURIComponent(new URL(ann.url()).hash.replace('#/plans/', ''));

  const bob = await newUserPage(browser!, 'bob');
  await signIn(bob, url, bobName);
  await bob.getByRole('link', { name: 'Launch' }).click();
  await live(bob);
  // Each sees the other.
  await ann.getByRole('list', { name: 'Who is here' }).getByRole('listitem', { name: `${bobName}, online` }).waitFor();
  return { ann, bob, planId };
}

describe('the board page in Chromium', () => {
  it('a card dragged by one user appears in the other user’s column within 1 s', async () => {
    const { ann, bob } = await twoOnOneBoard();
    await addTask(ann, 'To do', 'Write docs');
    await addTask(ann, 'To do', 'Ship it');
    await card(bob, 'Ship it').waitFor({ timeout: 1000 });

    await card(ann, 'Write docs').dragTo(column(ann, 'Done'));
    await column(bob, 'Done').getByRole('listitem', { name: 'Write docs' }).waitFor({ timeout: 1000 });

    // Within a column too: Bob adds a card at the bottom of "To do" and drags it to the top.
    await addTask(bob, 'To do', 'Test it');
    await card(ann, 'Test it').waitFor({ timeout: 1000 });
    await card(bob, 'Test it').dragTo(card(bob, 'Ship it'), { targetPosition: { x: 20, y: 2 } });
    await expect.poll(() => cardTitles(ann, 'To do'), { timeout: 1000 }).toEqual(['Test it', 'Ship it']);
    expect(await cardTitles(bob, 'Done')).toEqual(['Write docs']);
  });

  it('moves a card from the keyboard, and the other user sees it', async () => {
    const { ann, bob } = await twoOnOneBoard();
    await addTask(ann, 'To do', 'Plan the release');
    await card(ann, 'Plan the release').focus();
    await ann.keyboard.press('Alt+ArrowRight');
    await column(bob, 'In progress').getByRole('listitem', { name: 'Plan the release' }).waitFor({ timeout: 1000 });
    // The focus stays on the moved card: a second move goes on from there.
    await ann.keyboard.press('Alt+ArrowRight');
    await column(bob, 'Done').getByRole('listitem', { name: 'Plan the release' }).waitFor({ timeout: 1000 });
    await bob.getByText('1 of 1 done (100%)').waitFor({ timeout: 1000 });
  });

  it('shows who is typing on which card to the other user', async () => {
    const { ann, bob } = await twoOnOneBoard();
    await addTask(ann, 'To do', 'Write docs');
    await card(ann, 'Write docs').getByRole('button').click();
    await ann.getByLabel('Title').fill('Write the docs');
    await card(bob, 'Write docs').getByText('Ann is typing…').waitFor({ timeout: 2000 });
    await ann.getByRole('button', { name: 'Save' }).click();
    await card(bob, 'Write the docs').waitFor({ timeout: 1000 });
    // Saving ended the typing.
    await card(bob, 'Write the docs').getByText('Ann is typing…').waitFor({ state: 'detached', timeout: 2000 });
  });

  it('tells a user when someone else changes the card they have open', async () => {
    const { ann, bob } = await twoOnOneBoard();
    await addTask(ann, 'To do', 'Review');
    await card(bob, 'Review').waitFor({ timeout: 1000 });
    await card(bob, 'Review').getByRole('button').click();
    await bob.getByRole('dialog', { name: 'Review' }).waitFor();
    await card(ann, 'Review').dragTo(column(ann, 'In progress'));
    await bob.getByText('Ann moved this card').waitFor({ timeout: 2000 });
    // Bob's open card shows the new column.
    const select = bob.getByRole('dialog', { name: 'Review' }).getByRole('combobox', { name: 'Column', exact: true });
    await expect.poll(() => select.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text), { timeout: 1000 }).toBe('In progress');
  });

  it('both pages show reconnecting while the server is down, then catch up without a reload', async () => {
    const { ann, bob, planId } = await twoOnOneBoard();
    await addTask(ann, 'To do', 'Before the crash');
    await card(bob, 'Before the crash').waitFor({ timeout: 1000 });
    const port = server!.port;
    const dir = server!.dir;
    const markers = await Promise.all([ann, bob].map((p) => p.evaluate(() => ((window as any).__marker = Math.random()))));

    await server!.kill();
    for (const page of [ann, bob]) await connection(page).filter({ hasText: /Reconnecting/ }).waitFor({ timeout: 5000 });

    // While both pages are cut off, a change is made through REST (by a second server on
    // the same database, on another port: the pages cannot reach it).
    const other = await startServer({ dir });
    const api = new LivePlanApi({ url: other.url });
    const { token } = await api.devToken({ userId: 'u-carol', name: 'Carol' });
    const ownerApi = new LivePlanApi({ url: other.url, token: (await api.devToken({ userId: 'u-ann', name: 'Ann' })).token });
    await ownerApi.setMember(planId, 'u-carol', { role: 'editor', name: 'Carol' });
    await new LivePlanApi({ url: other.url, token }).createTask(planId, { title: 'Made while you were away', status: 'in_progress' });
    await other.kill();

    server = await startServer({ dir, port });
    for (const page of [ann, bob]) {
      await live(page, 40_000);
      await column(page, 'In progress').getByRole('listitem', { name: 'Made while you were away' }).waitFor({ timeout: 5000 });
    }
    // Still the same documents: nothing was reloaded.
    expect(await Promise.all([ann, bob].map((p) => p.evaluate(() => (window as any).__marker)))).toEqual(markers);
    // And the board goes on live.
    await card(bob, 'Made while you were away').dragTo(column(bob, 'Done'));
    await column(ann, 'Done').getByRole('listitem', { name: 'Made while you were away' }).waitFor({ timeout: 1000 });
  });

  it('a viewer cannot drag a card, and sees that the plan is read-only', async () => {
    const { ann, bob: viewer } = await twoOnOneBoard('viewer', 'Vic');
    await addTask(ann, 'To do', 'Locked');
    await card(viewer, 'Locked').waitFor({ timeout: 1000 });
    await viewer.getByText('You can view this plan; only editors can change it.').waitFor();
    expect(await card(viewer, 'Locked').getAttribute('draggable')).toBe('false');
    expect(await viewer.getByLabel('New task in To do').count()).toBe(0);

    await card(viewer, 'Locked').dragTo(column(viewer, 'Done'));
    await card(viewer, 'Locked').focus();
    await viewer.keyboard.press('Alt+ArrowRight');
    // Nothing moved, on either page, nor on the server.
    await viewer.waitForTimeout(500);
    for (const page of [viewer, ann]) expect(await cardTitles(page, 'To do')).toEqual(['Locked']);
    expect(await cardTitles(viewer, 'Done')).toEqual([]);
    // Nor can a viewer change the columns.
    expect(await viewer.getByRole('button', { name: /^Settings of column/ }).count()).toBe(0);
    expect(await viewer.getByRole('form', { name: 'Add a column' }).count()).toBe(0);
    // Nor the sprints: the panel lists them, without controls.
    await viewer.getByRole('button', { name: /^Sprints/ }).click();
    await viewer.getByRole('complementary', { name: 'Sprints' }).getByText('No sprints yet.').waitFor();
    expect(await viewer.getByRole('form', { name: 'New sprint' }).count()).toBe(0);
  });

  it('works at 360 px wide: the columns scroll sideways inside the board, with snap, and a card opens', async () => {
    const page = await newUserPage(browser!, 'phone', { width: 360, height: 740 });
    await signIn(page, server!.url, 'Pat');
    await page.getByLabel('New plan').fill('Errands');
    await page.getByRole('button', { name: 'Create plan' }).click();
    await live(page);
    await addTask(page, 'Done', 'Milk');
    // A WIP limit, set in the column's settings (which fit too).
    const settings = await columnSettings(page, 'Done');
    await settings.getByLabel('WIP limit').fill('3');
    await settings.getByRole('button', { name: 'Save' }).click();
    await column(page, 'Done').getByText('1 / 3').waitFor();
    // The page itself is not wider than the screen: only the board scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const board = page.getByRole('group', { name: 'Board' });
    const scroller = await board.evaluate((el) => ({
      overflow: el.scrollWidth > el.clientWidth,
      snap: getComputedStyle(el).scrollSnapType,
      width: el.getBoundingClientRect().width,
    }));
    expect(scroller.overflow).toBe(true);
    expect(scroller.snap).toMatch(/^x mandatory/);
    expect(scroller.width).toBeLessThanOrEqual(360);
    // One column fills most of the screen, side by side with the next.
    const [todo, done] = await Promise.all([column(page, 'To do').boundingBox(), column(page, 'Done').boundingBox()]);
    expect(todo!.width).toBeGreaterThan(250);
    expect(done!.x).toBeGreaterThan(todo!.x + todo!.width - 1);
    // The filter bar fits too.
    const bar = await page.getByRole('search', { name: 'Filter cards' }).boundingBox();
    expect(bar!.x + bar!.width).toBeLessThanOrEqual(360);
    // The sprints panel fits too, with an active sprint in the head.
    await page.getByRole('button', { name: /^Sprints/ }).click();
    await page.getByLabel('Sprint name').fill('Week 1');
    await page.getByLabel('Goal (optional)').fill('Groceries, the long list of them, all of it');
    await page.getByRole('button', { name: 'Create sprint' }).click();
    await page.getByRole('button', { name: 'Start sprint Week 1' }).click();
    await page.getByLabel('Active sprint').getByText('Week 1').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await card(page, 'Milk').getByRole('button').click();
    await page.getByRole('dialog', { name: 'Milk' }).waitFor();
  });

  it('a card dragged to a column at its WIP limit is refused with a visible message', async () => {
    const { ann, bob, planId } = await twoOnOneBoard();
    await addTask(ann, 'In progress', 'Busy');
    await addTask(ann, 'To do', 'Waiting');
    // The owner sets a WIP limit of 1 on "In progress" (which holds one card).
    const settings = await columnSettings(ann, 'In progress');
    await settings.getByLabel('WIP limit').fill('1');
    await settings.getByRole('button', { name: 'Save' }).click();
    for (const page of [ann, bob]) await column(page, 'In progress').getByText('1 / 1 full').waitFor({ timeout: 2000 });

    // The editor drags another card there.
    await card(bob, 'Waiting').waitFor();
    await card(bob, 'Waiting').dragTo(column(bob, 'In progress'));
    const alert = bob.getByRole('alert').getByText('“In progress” is at its WIP limit (1): “Waiting” was put back.');
    await alert.waitFor({ timeout: 2000 });
    expect(await bob.getByRole('button', { name: 'Move anyway' }).count()).toBe(0); // editors cannot force
    for (const page of [bob, ann]) {
      await expect.poll(() => cardTitles(page, 'To do'), { timeout: 1000 }).toEqual(['Waiting']);
      expect(await cardTitles(page, 'In progress')).toEqual(['Busy']);
    }
    // The server still has it where it was.
    const snapshot = await serverSnapshot(planId);
    const waiting = snapshot.tasks.find((t) => t.title === 'Waiting')!;
    expect(snapshot.columns.find((c) => c.id === waiting.columnId)?.name).toBe('To do');
    expect(snapshot.columns.find((c) => c.name === 'In progress')?.wipLimit).toBe(1);
  });

  it('an owner can force a full column', async () => {
    const { ann, bob, planId } = await twoOnOneBoard();
    await addTask(ann, 'In progress', 'Busy');
    await addTask(ann, 'To do', 'Hotfix');
    const settings = await columnSettings(ann, 'In progress');
    await settings.getByLabel('WIP limit').fill('1');
    await settings.getByRole('button', { name: 'Save' }).click();
    await column(ann, 'In progress').getByText('1 / 1 full').waitFor();

    await card(ann, 'Hotfix').dragTo(column(ann, 'In progress'));
    await ann.getByRole('alert').getByText(/“In progress” is at its WIP limit \(1\)/).waitFor({ timeout: 2000 });
    await expect.poll(() => cardTitles(ann, 'To do'), { timeout: 1000 }).toEqual(['Hotfix']);
    await ann.getByRole('button', { name: 'Move anyway' }).click();
    for (const page of [ann, bob]) {
      await column(page, 'In progress').getByRole('listitem', { name: 'Hotfix' }).waitFor({ timeout: 2000 });
      await column(page, 'In progress').getByText('2 / 1 over').waitFor({ timeout: 1000 });
    }
    const snapshot = await serverSnapshot(planId);
    const hotfix = snapshot.tasks.find((t) => t.title === 'Hotfix')!;
    expect(snapshot.columns.find((c) => c.id === hotfix.columnId)?.name).toBe('In progress');
  });

  it('a column created by one user appears for the other and its rename too', async () => {
    const { ann, bob } = await twoOnOneBoard();
    // Bob (an editor) adds a column.
    const add = bob.getByRole('form', { name: 'Add a column' });
    await add.getByLabel('New column').fill('Review');
    await add.getByLabel('Category').selectOption({ label: 'In progress' });
    await add.getByRole('button', { name: 'Add column' }).click();
    await column(ann, 'Review').waitFor({ timeout: 2000 });
    expect(await columnNames(ann)).toEqual(['To do', 'In progress', 'Done', 'Review']);

    // Ann renames it; Bob sees the new name.
    const settings = await columnSettings(ann, 'Review');
    await settings.getByLabel('Column name').fill('QA');
    await settings.getByRole('button', { name: 'Save' }).click();
    await column(bob, 'QA').waitFor({ timeout: 2000 });
    expect(await column(bob, 'Review').count()).toBe(0);

    // Bob moves it before "Done" from the keyboard; Ann sees the order.
    const qa = await columnSettings(bob, 'QA');
    await qa.getByRole('button', { name: 'Move column QA left' }).focus();
    await bob.keyboard.press('Enter');
    await expect.poll(() => columnNames(ann), { timeout: 2000 }).toEqual(['To do', 'In progress', 'QA', 'Done']);
    await expect.poll(() => columnNames(bob)).toEqual(['To do', 'In progress', 'QA', 'Done']);

    // A column with cards is deleted after saying where they go.
    await addTask(ann, 'QA', 'Check it');
    await card(bob, 'Check it').waitFor({ timeout: 1000 });
    await qa.getByRole('button', { name: 'Delete column' }).click();
    await qa.getByLabel('Move its 1 card to').selectOption({ label: 'Done' });
    await qa.getByRole('button', { name: 'Yes, delete “QA”' }).click();
    for (const page of [bob, ann]) {
      await expect.poll(() => columnNames(page), { timeout: 2000 }).toEqual(['To do', 'In progress', 'Done']);
      expect(await cardTitles(page, 'Done')).toEqual(['Check it']);
    }
  });

  it('the filter bar hides cards by label', async () => {
    const { ann, bob } = await twoOnOneBoard();
    for (const title of ['Crash on save', 'Write docs', 'Wrong colour']) await addTask(ann, 'To do', title);
    // Two of them get the label "bug" (and one is urgent), in the task dialog.
    for (const [title, urgent] of [
      ['Crash on save', true],
      ['Wrong colour', false],
    ] as const) {
      await card(ann, title).getByRole('button').click();
      const dialog = ann.getByRole('dialog', { name: title });
      await dialog.getByLabel('Add a label').fill('bug');
      await dialog.getByLabel('Add a label').press('Enter');
      if (urgent) await dialog.getByLabel('Priority').selectOption({ label: 'Urgent' });
      await dialog.getByRole('button', { name: 'Save' }).click();
      await ann.getByRole('status').getByText('Saved').first().waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
    }
    // The cards show them, on the other page too.
    await card(bob, 'Crash on save').getByText('Urgent').waitFor({ timeout: 2000 });
    await card(bob, 'Wrong colour').getByText('bug').waitFor({ timeout: 2000 });

    const bar = bob.getByRole('search', { name: 'Filter cards' });
    await bar.getByLabel('Label').selectOption('bug');
    await expect.poll(() => cardTitles(bob, 'To do')).toEqual(['Crash on save', 'Wrong colour']);
    await bar.getByText('Showing 2 of 3 cards').waitFor();
    // A move in the filtered view lands at the real place: above "Crash on save", with
    // the hidden "Write docs" staying after both.
    await card(bob, 'Wrong colour').focus();
    await bob.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => cardTitles(ann, 'To do'), { timeout: 1000 }).toEqual(['Wrong colour', 'Crash on save', 'Write docs']);
    // Text search and priority narrow it further; "Clear filters" shows everything again.
    await bar.getByLabel('Priority').selectOption({ label: 'Urgent' });
    await expect.poll(() => cardTitles(bob, 'To do')).toEqual(['Crash on save']);
    await bar.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => cardTitles(bob, 'To do')).toEqual(['Wrong colour', 'Crash on save', 'Write docs']);
    await bar.getByLabel('Search').fill('docs');
    await expect.poll(() => cardTitles(bob, 'To do')).toEqual(['Write docs']);
    // Ann's page was never filtered.
    expect(await cardTitles(ann, 'To do')).toEqual(['Wrong colour', 'Crash on save', 'Write docs']);
  });

  it('a sprint started by one user is seen by the other; tasks put in it show under its filter; completing it carries the unfinished ones to the backlog, live on both pages', async () => {
    const { ann, bob, planId } = await twoOnOneBoard();
    for (const page of [ann, bob]) await page.getByLabel('Active sprint').getByText('No active sprint').waitFor();
    // Ann creates a sprint in the panel, with a goal; a bad date range is refused with a visible message.
    await ann.getByRole('button', { name: /^Sprints/ }).click();
    const panel = ann.getByRole('complementary', { name: 'Sprints' });
    const form = panel.getByRole('form', { name: 'New sprint' });
    await form.getByLabel('Sprint name').fill('Sprint 1');
    await form.getByLabel('Goal (optional)').fill('Beta out');
    await form.getByLabel('Starts').fill('2026-12-18');
    await form.getByLabel('Ends').fill('2026-12-07');
    await form.getByRole('button', { name: 'Create sprint' }).click();
    await ann.getByRole('alert').getByText(/endsAt: must not be before startsAt/).waitFor({ timeout: 2000 });
    await form.getByLabel('Ends').fill('');
    await form.getByRole('button', { name: 'Create sprint' }).click();
    await panel.getByRole('listitem', { name: 'Sprint 1' }).waitFor();
    // Bob sees it in his filter bar, planned; then Ann starts it and both heads show it.
    const bar = bob.getByRole('search', { name: 'Filter cards' });
    await expect.poll(() => bar.getByLabel('Sprint').locator('option').allTextContents(), { timeout: 2000 }).toEqual([
      'All sprints',
      'Backlog (no sprint)',
      'Sprint 1 (planned)',
    ]);
    await panel.getByRole('button', { name: 'Start sprint Sprint 1' }).click();
    for (const page of [ann, bob]) await page.getByLabel('Active sprint').getByText('Sprint 1').waitFor({ timeout: 2000 });
    await bob.getByLabel('Active sprint').getByText('Beta out').waitFor();
    await expect.poll(() => bar.getByLabel('Sprint').locator('option').allTextContents()).toContain('Sprint 1 (active)');

    // Tasks go in it from the task dialog (one by each user).
    for (const title of ['Write docs', 'Ship it', 'Later']) await addTask(ann, 'To do', title);
    for (const [page, title] of [
      [ann, 'Write docs'],
      [bob, 'Ship it'],
    ] as const) {
      await card(page, title).waitFor({ timeout: 2000 });
      await card(page, title).getByRole('button').click();
      const dialog = page.getByRole('dialog', { name: title });
      await dialog.getByLabel('Sprint').selectOption({ label: 'Sprint 1 (active)' });
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').getByText('Saved').first().waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
    }
    // The cards show a sprint chip (filter "All"), on the other page too.
    await card(bob, 'Write docs').getByText('Sprint 1').waitFor({ timeout: 2000 });
    await card(ann, 'Ship it').getByText('Sprint 1').waitFor({ timeout: 2000 });
    await card(ann, 'Write docs').focus();
    await ann.keyboard.press('Alt+ArrowRight');
    await column(ann, 'In progress').getByRole('listitem', { name: 'Write docs' }).waitFor();
    await ann.keyboard.press('Alt+ArrowRight');
    for (const page of [ann, bob]) await page.getByLabel('Active sprint').getByText('1 of 2 done').waitFor({ timeout: 2000 });

    // Bob filters by the sprint, then the backlog: cards are hidden, never moved.
    await bar.getByLabel('Sprint').selectOption({ label: 'Sprint 1 (active)' });
    await expect.poll(() => cardTitles(bob, 'To do')).toEqual(['Ship it']);
    expect(await cardTitles(bob, 'Done')).toEqual(['Write docs']);
    await bar.getByText('Showing 2 of 3 cards').waitFor();
    await bar.getByLabel('Sprint').selectOption({ label: 'Backlog (no sprint)' });
    await expect.poll(() => cardTitles(bob, 'To do')).toEqual(['Later']);

    // Ann completes it, the unfinished tasks going to the backlog: Bob's backlog view gains "Ship it".
    await panel.getByRole('button', { name: 'Complete sprint Sprint 1' }).click();
    await panel.getByLabel('Move its unfinished tasks to').selectOption({ label: 'The backlog' });
    await panel.getByRole('button', { name: 'Yes, complete “Sprint 1”' }).click();
    await expect.poll(() => cardTitles(bob, 'To do'), { timeout: 2000 }).toEqual(['Ship it', 'Later']);
    for (const page of [ann, bob]) await page.getByLabel('Active sprint').getByText('No active sprint').waitFor({ timeout: 2000 });
    await expect.poll(() => bar.getByLabel('Sprint').locator('option').allTextContents()).toContain('Sprint 1 (completed)');
    // On Ann's page (her own completion) the carried card lost its chip, the done one kept it.
    await expect.poll(() => card(ann, 'Ship it').getByText('Sprint 1').count(), { timeout: 2000 }).toBe(0);
    await card(ann, 'Write docs').getByText('Sprint 1').waitFor();
    await panel.getByRole('listitem', { name: 'Sprint 1' }).getByText('completed', { exact: true }).waitFor();

    const snapshot = await serverSnapshot(planId);
    const sprintOf = (title: string) => snapshot.tasks.find((t) => t.title === title)?.sprintId;
    expect(snapshot.sprints.map((s) => [s.name, s.status])).toEqual([['Sprint 1', 'completed']]);
    expect(sprintOf('Ship it')).toBeNull();
    expect(sprintOf('Write docs')).toBe(snapshot.sprints[0]!.id);
  });
});

/** The plan as the server holds it (read with Ann's token). */
async function serverSnapshot(planId: string) {
  const url = server!.url;
  const { token } = await new LivePlanApi({ url }).devToken({ userId: 'u-ann', name: 'Ann' });
  return new LivePlanApi({ url, token }).getPlan(planId);
}
