/**
 * The SDK against the server's OpenAPI document (`GET /api/openapi.json`), on the real
 * binary: the committed src/openapi-types.ts is what the document generates (so the
 * compile-time checks of test/types/openapi-check.ts compare the SDK with the server as it
 * is), every operation has its `LivePlanApi` method and every method its operation, and each
 * method calls the route the table says, sending only fields the document names.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, OUTPUT } from '../../scripts/openapi-types.mjs';
import { LivePlanApi, LivePlanError } from '../../src/index.js';
import type { OPENAPI_OPERATIONS } from '../../src/openapi-types.js';
import { liveplanBin, startServer, stopServer, type Server } from '../helpers/server.js';

type OperationId = (typeof OPENAPI_OPERATIONS)[number]['operationId'];
type SdkMethod = Exclude<keyof LivePlanApi, 'request'>;

/**
 * The `LivePlanApi` method that calls each operation of the document (or the methods, when
 * several do); `null`: none, and why.
 */
const SDK_METHODS = {
  healthz: 'health',
  readyz: 'ready',
  metrics: 'metrics',
  devToken: 'devToken',
  openapi: null, // the document itself, for other languages' generators
  connect: null, // the WebSocket upgrade: LivePlanClient opens it
  listPlans: 'listPlans',
  createPlan: 'createPlan',
  getPlan: 'getPlan',
  updatePlan: 'updatePlan',
  deletePlan: 'deletePlan',
  archivePlan: 'archivePlan',
  restorePlan: 'restorePlan',
  listMembers: 'listMembers',
  putMember: 'setMember',
  removeMember: 'removeMember',
  listColumns: 'listColumns',
  createColumn: 'createColumn',
  updateColumn: 'updateColumn',
  deleteColumn: 'deleteColumn',
  reorderColumns: 'reorderColumns',
  listSprints: 'listSprints',
  createSprint: 'createSprint',
  updateSprint: 'updateSprint',
  startSprint: 'startSprint',
  completeSprint: 'completeSprint',
  listTasks: ['listTasks', 'findTasks'], // the plain array; a filtered page
  createTask: 'createTask',
  reorderTasks: 'reorderTasks',
  getTask: 'getTask',
  updateTask: 'updateTask',
  deleteTask: 'deleteTask',
  moveTask: 'moveTask',
  getProgress: 'getProgress',
  getPresence: 'getPresence',
  listEvents: 'getEvents',
  addComment: 'addComment',
  listComments: 'listComments',
  updateComment: 'updateComment',
  deleteComment: 'deleteComment',
} as const satisfies Record<OperationId, SdkMethod | readonly SdkMethod[] | null>;

/**
 * Routed (and documented) only in dev mode, when no key is configured
 * (`routes::DEV_ROUTES`; the server's `dev_issuer`).
 */
const DEV_ONLY: readonly OperationId[] = ['devToken'];

/** `LivePlanApi` members that are no route's: `request` (any call) and the private `call`. */
const GENERIC = ['constructor', 'request', 'call'];

interface Operation {
  method: string;
  path: string;
  operationId: string;
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}

interface Document {
  paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

async function openapi(server: Server): Promise<Document> {
  const res = await fetch(`${server.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

function operations(doc: Document): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
  );
}

/** The operation of `doc` that `METHOD /path` is, or undefined. */
function operationOf(doc: Document, method: string, path: string): Operation | undefined {
  return operations(doc).find(
    (op) =>
      op.method === method &&
      new RegExp(`^${op.path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

function sdkMethods(): string[] {
  const proto = LivePlanApi.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).filter((n) => !GENERIC.includes(n) && typeof proto[n] === 'function');
}

describe("the SDK and the server's OpenAPI document", () => {
  let server: Server;
  let doc: Document;

  beforeAll(async () => {
    server = await startServer(); // dev mode: no key configured
    doc = await openapi(server);
  });
  afterAll(() => stopServer(server));

  it('src/openapi-types.ts is what the document generates', () => {
    const committed = readFileSync(OUTPUT, 'utf8');
    expect(
      generate(doc),
      `src/openapi-types.ts is not what the server's OpenAPI document generates: the REST API ` +
        `changed. Regenerate it (in client/: LIVEPLAN_BIN=${liveplanBin()} npm run openapi-types), ` +
        'then make src/types.ts and src/api.ts agree with it until `npm run typecheck` passes ' +
        '(test/types/openapi-check.ts) and add new operations to the table in this test',
    ).toBe(committed);
  });

  it('has a LivePlanApi method for every operation, and an operation for every method', () => {
    const documented = operations(doc).map((op) => op.operationId);
    expect(documented.sort()).toEqual(Object.keys(SDK_METHODS).sort());
    const tabled = Object.values(SDK_METHODS)
      .flat()
      .filter((m) => m !== null);
    expect(new Set(tabled).size, 'a method named twice in SDK_METHODS').toBe(tabled.length);
    expect(sdkMethods().sort(), 'LivePlanApi methods that no operation of the table names').toEqual(
      [...tabled].sort(),
    );
  });

  it('each method calls the route of its operation, with fields the document names', async () => {
    // The real fetch, watched: which route each method asks for, and with what body.
    const requests: { method: string; path: string; body: unknown }[] = [];
    const watched: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      requests.push({ method: init?.method ?? 'GET', path: url.pathname, body });
      return fetch(input, init);
    };
    const called = new Map<string, string>();
    const anon = new LivePlanApi({ url: server.url, fetch: watched });
    let api = anon;
    /** Runs `method` through `run`, and notes the one operation it called. */
    async function via<T>(method: SdkMethod, run: (api: LivePlanApi) => Promise<T>): Promise<T> {
      const from = requests.length;
      const out = await run(api);
      const made = requests.slice(from);
      expect(made, `${method}: one request`).toHaveLength(1);
      const [{ method: verb, path, body }] = made as [(typeof requests)[number]];
      const op = operationOf(doc, verb, path);
      expect(op, `${method}: ${verb} ${path} is no operation of the document`).toBeDefined();
      called.set(method, op!.operationId);
      const ref = op!.requestBody?.content?.['application/json']?.schema?.$ref;
      if (body !== undefined) {
        expect(ref, `${method}: sends a body the document does not describe`).toBeDefined();
        const fields = Object.keys(doc.components.schemas[ref!.split('/').pop()!]?.properties ?? {});
        expect(fields).not.toHaveLength(0);
        for (const field of Object.keys(body as object))
          expect(fields, `${method}: sends \`${field}\`, which ${ref} does not name`).toContain(field);
      }
      return out;
    }

    const { token } = await via('devToken', (a) => a.devToken({ userId: 'ada', name: 'Ada', email: 'ada@example.com' }));
    api = new LivePlanApi({ url: server.url, token, fetch: watched });
    await via('health', (a) => a.health());
    await via('ready', (a) => a.ready());
    await via('metrics', (a) => a.metrics());
    const plan = await via('createPlan', (a) => a.createPlan({ title: 'OpenAPI', description: 'all routes' }));
    await via('listPlans', (a) => a.listPlans({ archived: true }));
    await via('getPlan', (a) => a.getPlan(plan.id));
    await via('updatePlan', (a) => a.updatePlan(plan.id, { title: 'OpenAPI v2', description: null }));
    await via('setMember', (a) => a.setMember(plan.id, 'bob', { role: 'editor', name: 'Bob' }));
    await via('listMembers', (a) => a.listMembers(plan.id));
    const task = await via('createTask', (a) =>
      a.createTask(plan.id, {
        title: 'One',
        description: 'd',
        status: 'todo',
        assigneeId: 'bob',
        dueAt: '2030-01-01T00:00:00Z',
      }),
    );
    const other = await api.createTask(plan.id, { title: 'Two' });
    await via('listTasks', (a) => a.listTasks(plan.id));
    const page = await via('findTasks', (a) => a.findTasks(plan.id, { assigneeId: 'bob', limit: 1 }));
    expect(page).toEqual({ tasks: [task], nextCursor: null });
    await via('reorderTasks', (a) => a.reorderTasks(plan.id, [other.id, task.id]));
    await via('getTask', (a) => a.getTask(task.id));
    const review = await via('createColumn', (a) =>
      a.createColumn(plan.id, { name: 'Review', category: 'in_progress', position: 2, wipLimit: 3 }),
    );
    await via('listColumns', (a) => a.listColumns(plan.id));
    await via('updateColumn', (a) => a.updateColumn(review.id, { name: 'In review', wipLimit: null }));
    const columns = await api.listColumns(plan.id);
    await via('reorderColumns', (a) => a.reorderColumns(plan.id, [...columns].reverse().map((c) => c.id)));
    await via('moveTask', (a) => a.moveTask(other.id, { columnId: review.id, position: 0, version: other.version }));
    await via('deleteColumn', (a) => a.deleteColumn(review.id, columns[0]!.id));
    const sprint = await via('createSprint', (a) =>
      a.createSprint(plan.id, { name: 'Sprint 1', goal: 'Beta', startsAt: '2030-01-06T09:00:00Z', endsAt: null }),
    );
    const next = await api.createSprint(plan.id, { name: 'Sprint 2' });
    await via('listSprints', (a) => a.listSprints(plan.id));
    await via('updateSprint', (a) =>
      a.updateSprint(sprint.id, { name: 'Beta', goal: null, startsAt: null, endsAt: '2030-01-19T17:00:00Z' }),
    );
    const third = await api.createTask(plan.id, { title: 'Three', sprintId: next.id });
    await api.updateTask(third.id, { sprintId: sprint.id });
    await via('startSprint', (a) => a.startSprint(sprint.id));
    const completion = await via('completeSprint', (a) => a.completeSprint(sprint.id, next.id));
    expect(completion).toMatchObject({ done: 0, carriedOver: 1, sprint: { id: sprint.id, status: 'completed' } });
    await via('updateTask', (a) =>
      a.updateTask(task.id, { title: 'Uno', description: null, status: 'done', assigneeId: null, dueAt: null, version: 1 }),
    );
    await via('getProgress', (a) => a.getProgress(plan.id));
    await via('getPresence', (a) => a.getPresence(plan.id));
    await via('getEvents', (a) => a.getEvents(plan.id, { since: 0, limit: 10 }));
    await via('addComment', (a) => a.addComment(task.id, 'A comment'));
    await via('listComments', (a) => a.listComments(task.id));
    const comment = await api.addComment(task.id, 'Another');
    await via('updateComment', (a) => a.updateComment(comment.id, 'Edited'));
    await via('deleteComment', (a) => a.deleteComment(comment.id));
    await via('archivePlan', (a) => a.archivePlan(plan.id));
    expect(await api.listPlans()).not.toContainEqual(expect.objectContaining({ id: plan.id }));
    expect(await api.listPlans({ archived: true })).toContainEqual(expect.objectContaining({ id: plan.id }));
    await via('restorePlan', (a) => a.restorePlan(plan.id));
    await via('deleteTask', (a) => a.deleteTask(task.id));
    await via('removeMember', (a) => a.removeMember(plan.id, 'bob'));
    await via('deletePlan', (a) => a.deletePlan(plan.id));

    const expected = Object.entries(SDK_METHODS).flatMap(([op, methods]) =>
      [methods].flat().flatMap((method) => (method ? [[method, op]] : [])),
    );
    expect(Object.fromEntries([...called].sort())).toEqual(Object.fromEntries(expected.sort()));
  });

  it('with a key configured, documents and serves no dev-only route', async () => {
    const keyed = await startServer({ env: { LIVEPLAN_JWT_SECRET: 'a-secret-of-at-least-32-bytes-for-this-test' } });
    try {
      const ids = operations(await openapi(keyed)).map((op) => op.operationId);
      const all = Object.keys(SDK_METHODS) as OperationId[];
      expect(ids.sort()).toEqual(all.filter((id) => !DEV_ONLY.includes(id)).sort());
      const api = new LivePlanApi({ url: keyed.url });
      const refused = await api.devToken({ name: 'Eve' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(LivePlanError);
      expect(refused).toMatchObject({ status: 404, code: 'not_found' });
    } finally {
      await stopServer(keyed);
    }
  });
});
