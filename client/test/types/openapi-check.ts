/**
 * The SDK's hand-written REST types against the server's OpenAPI document, at compile
 * time: `npm run typecheck` (the first step of `npm test`) fails on a line below when they
 * disagree. `src/openapi-types.ts` is generated from the document
 * (scripts/openapi-types.mjs); test/integration/openapi.test.ts checks that the running
 * server still generates it.
 *
 * Each check is exact equality, both ways (`Equals`), except where the SDK deliberately
 * narrows what the server accepts; those say why, and compare the rest exactly.
 */
import type { LivePlanApi } from '../../src/api.js';
import type { LivePlanError } from '../../src/errors.js';
import type * as S from '../../src/openapi-types.js';
import type * as SDK from '../../src/types.js';

/** `true` when A and B are the same type: each assignable to the other, and no `any` on one side. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** `true` when A is assignable to B. */
type Extends<A, B> = [A] extends [B] ? true : false;
/** Compiles only for `true`: the failing line names the check. */
type Assert<T extends true> = T;

/** One object type with the members of T (an intersection, a mapped type) so `Equals` compares members. */
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * T with `null` also allowed in its optional fields K. The server reads `null` in these
 * fields as "absent" (docs/protocol.md §2.5: "`null` for `title`/`status` means absent";
 * serde's `Option` with `default`), so the document, describing what the server accepts,
 * says `T | null`; the SDK leaves `null` out so that nobody writes `title: null` expecting it
 * to clear something.
 */
type NullAsAbsent<T, K extends keyof T> = Flat<Omit<T, K> & { [P in K]?: Exclude<T[P], undefined> | null }>;

type Api = LivePlanApi;
type Method = { [M in keyof Api]: Api[M] extends (...args: never[]) => unknown ? M : never }[keyof Api];
/** What a method resolves to. */
type Answer<M extends Method> = Awaited<ReturnType<Api[M]>>;
/** A method's parameter N (its value, when the parameter is optional). */
type Arg<M extends Method, N extends number> = Exclude<Parameters<Api[M]>[N], undefined>;
type Op = S.OpenApiOperationTypes;

// ---- shapes ------------------------------------------------------------------------------

export type Shapes = [
  Assert<Equals<SDK.Plan, S.Plan>>,
  Assert<Equals<SDK.Task, S.Task>>,
  Assert<Equals<SDK.TaskStatus, S.TaskStatus>>,
  Assert<Equals<SDK.Member, S.Member>>,
  Assert<Equals<SDK.Role, S.Role>>,
  Assert<Equals<SDK.Progress, S.Progress>>,
  Assert<Equals<SDK.Progress['byStatus'], S.StatusCounts>>,
  Assert<Equals<SDK.Participant, S.Participant>>,
  Assert<Equals<SDK.PresenceStatus, S.PresenceStatus>>,
  Assert<Equals<SDK.Comment, S.Comment>>,
  Assert<Equals<SDK.Sprint, S.Sprint>>,
  Assert<Equals<SDK.SprintStatus, S.SprintStatus>>,
  Assert<Equals<SDK.SprintCompletion, S.SprintCompletion>>,
  Assert<Equals<SDK.PlanSnapshot, S.PlanSnapshot>>,
  Assert<Equals<SDK.TaskPage, S.TaskPage>>,
  Assert<Equals<SDK.Presence, S.Presence>>,
  Assert<Equals<SDK.UserRef, S.UserRef>>,
  Assert<Equals<SDK.Health, S.Health>>,
  Assert<Equals<SDK.ErrorCode, S.ErrorCode>>,
  // A 409's body: `LivePlanError.current` is its `current`; `code` is a string because
  // the SDK adds `network` (no answer) to the server's codes.
  Assert<Equals<NonNullable<LivePlanError['current']>, S.ConflictBody['current']>>,
  Assert<Extends<S.ErrorCode, LivePlanError['code']>>,

  // Request bodies.
  Assert<Equals<SDK.NewPlan, S.NewPlan>>,
  Assert<Equals<NullAsAbsent<SDK.PlanPatch, 'title'>, S.PlanPatch>>,
  Assert<Equals<NullAsAbsent<SDK.NewTask, 'status'>, S.NewTask>>,
  Assert<Equals<NullAsAbsent<SDK.TaskPatch, 'title' | 'status' | 'version' | 'priority' | 'labels'>, S.TaskPatch>>,
  Assert<Equals<SDK.NewSprint, S.NewSprint>>,
  Assert<Equals<NullAsAbsent<SDK.SprintPatch, 'name'>, S.SprintPatch>>,

  // The event log. The document types an event's `data` as any object (what it holds
  // depends on `type`, docs/protocol.md §3); the SDK's `PlanEvent` is the union over `type`
  // that gives each its shape. The rest of the frame, `type` included, is the same.
  Assert<Equals<Flat<Omit<SDK.EventPage, 'events'>>, Flat<Omit<S.EventsPage, 'events'>>>>,
  Assert<Equals<SDK.EventPage['events'], SDK.PlanEvent[]>>,
  Assert<Equals<Flat<Omit<SDK.PlanEvent, 'data'>>, Flat<Omit<S.EventFrame, 'data'>>>>,
  Assert<Equals<SDK.PlanEventType, S.EventFrame['type']>>,
  Assert<Extends<SDK.PlanEvent['data'], object>>,
];

// ---- operations: each method's body, query and answer -----------------------------------

/**
 * One entry per operation of the document (the last line checks that none is missing):
 * the `LivePlanApi` method that calls it (test/integration/openapi.test.ts checks the
 * method really calls that route), its request body, query and answer.
 */
type Operations = {
  healthz: [Assert<Equals<Answer<'health'>, Op['healthz']['response']>>];
  readyz: [Assert<Equals<Answer<'ready'>, Op['readyz']['response']>>];
  metrics: [Assert<Equals<Answer<'metrics'>, Op['metrics']['response']>>];
  devToken: [
    // `userId`, `email`: `null` is read as absent (serde `Option` with `default`), as above.
    Assert<Equals<NullAsAbsent<Arg<'devToken', 0>, 'userId' | 'email'>, Op['devToken']['body']>>,
    Assert<Equals<Answer<'devToken'>, Op['devToken']['response']>>,
  ];
  // The document itself: for other languages' generators; the SDK has typed methods instead.
  openapi: [];
  // The WebSocket upgrade: LivePlanClient opens it; no REST method.
  connect: [Assert<Equals<Op['connect']['response'], never>>];

  listPlans: [
    // The method takes `archived` among its options and sends it as the query.
    Assert<Equals<Pick<Arg<'listPlans', 0>, 'archived'>, Op['listPlans']['query']>>,
    Assert<Equals<Answer<'listPlans'>, Op['listPlans']['response']>>,
  ];
  createPlan: [
    Assert<Equals<Arg<'createPlan', 0>, Op['createPlan']['body']>>,
    Assert<Equals<Answer<'createPlan'>, Op['createPlan']['response']>>,
  ];
  getPlan: [Assert<Equals<Answer<'getPlan'>, Op['getPlan']['response']>>];
  updatePlan: [
    Assert<Equals<NullAsAbsent<Arg<'updatePlan', 1>, 'title'>, Op['updatePlan']['body']>>,
    Assert<Equals<Answer<'updatePlan'>, Op['updatePlan']['response']>>,
  ];
  deletePlan: [Assert<Equals<Answer<'deletePlan'>, Op['deletePlan']['response']>>];
  archivePlan: [Assert<Equals<Answer<'archivePlan'>, Op['archivePlan']['response']>>];
  restorePlan: [Assert<Equals<Answer<'restorePlan'>, Op['restorePlan']['response']>>];

  listMembers: [Assert<Equals<Answer<'listMembers'>, Op['listMembers']['response']>>];
  putMember: [
    // `name`: `null` is read as absent, as above.
    Assert<Equals<NullAsAbsent<Arg<'setMember', 2>, 'name'>, Op['putMember']['body']>>,
    Assert<Equals<Answer<'setMember'>, Op['putMember']['response']>>,
  ];
  removeMember: [Assert<Equals<Answer<'removeMember'>, Op['removeMember']['response']>>];

  listColumns: [Assert<Equals<Answer<'listColumns'>, Op['listColumns']['response']>>];
  createColumn: [
    Assert<Equals<Arg<'createColumn', 1>, Op['createColumn']['body']>>,
    Assert<Equals<Answer<'createColumn'>, Op['createColumn']['response']>>,
  ];
  updateColumn: [
    // `name`, `category`: `null` is read as absent (`wipLimit: null` removes the limit).
    Assert<Equals<NullAsAbsent<Arg<'updateColumn', 1>, 'name' | 'category'>, Op['updateColumn']['body']>>,
    Assert<Equals<Answer<'updateColumn'>, Op['updateColumn']['response']>>,
  ];
  // The method takes `moveTo` as an argument and sends it as the query.
  deleteColumn: [
    Assert<Equals<{ moveTo?: Arg<'deleteColumn', 1> }, Op['deleteColumn']['query']>>,
    Assert<Equals<Answer<'deleteColumn'>, Op['deleteColumn']['response']>>,
  ];
  // The method takes the ids and sends `{columnIds}`.
  reorderColumns: [
    Assert<Equals<{ columnIds: Arg<'reorderColumns', 1> }, Op['reorderColumns']['body']>>,
    Assert<Equals<Answer<'reorderColumns'>, Op['reorderColumns']['response']>>,
  ];

  listSprints: [Assert<Equals<Answer<'listSprints'>, Op['listSprints']['response']>>];
  createSprint: [
    Assert<Equals<Arg<'createSprint', 1>, Op['createSprint']['body']>>,
    Assert<Equals<Answer<'createSprint'>, Op['createSprint']['response']>>,
  ];
  updateSprint: [
    // `name`: `null` is read as absent (`goal`, `startsAt`, `endsAt`: `null` clears them).
    Assert<Equals<NullAsAbsent<Arg<'updateSprint', 1>, 'name'>, Op['updateSprint']['body']>>,
    Assert<Equals<Answer<'updateSprint'>, Op['updateSprint']['response']>>,
  ];
  startSprint: [
    Assert<Equals<Op['startSprint']['body'], never>>,
    Assert<Equals<Answer<'startSprint'>, Op['startSprint']['response']>>,
  ];
  // The method takes `carryOverTo` (required, `null`: the backlog) and sends `{carryOverTo}`.
  completeSprint: [
    Assert<Equals<{ carryOverTo: Parameters<Api['completeSprint']>[1] }, Op['completeSprint']['body']>>,
    Assert<Equals<Answer<'completeSprint'>, Op['completeSprint']['response']>>,
  ];

  // Two methods: `listTasks` sends no parameter and gets the plain array; `findTasks` sends
  // the filter (and `limit`, so at least one parameter) and gets a page.
  listTasks: [
    Assert<Equals<Arg<'findTasks', 1>, Op['listTasks']['query']>>,
    Assert<Equals<Answer<'listTasks'> | Answer<'findTasks'>, Op['listTasks']['response']>>,
    Assert<Equals<Answer<'listTasks'>, SDK.Task[]>>,
    Assert<Equals<Answer<'findTasks'>, SDK.TaskPage>>,
  ];
  createTask: [
    Assert<Equals<NullAsAbsent<Arg<'createTask', 1>, 'status'>, Op['createTask']['body']>>,
    Assert<Equals<Answer<'createTask'>, Op['createTask']['response']>>,
  ];
  // The method takes the ids and sends `{taskIds}`.
  reorderTasks: [
    Assert<Equals<{ taskIds: Arg<'reorderTasks', 1> }, Op['reorderTasks']['body']>>,
    Assert<Equals<Answer<'reorderTasks'>, Op['reorderTasks']['response']>>,
  ];
  getTask: [Assert<Equals<Answer<'getTask'>, Op['getTask']['response']>>];
  updateTask: [
    Assert<Equals<NullAsAbsent<Arg<'updateTask', 1>, 'title' | 'status' | 'version' | 'priority' | 'labels'>, Op['updateTask']['body']>>,
    Assert<Equals<Answer<'updateTask'>, Op['updateTask']['response']>>,
  ];
  deleteTask: [Assert<Equals<Answer<'deleteTask'>, Op['deleteTask']['response']>>];
  moveTask: [
    // `version`: `null` is read as absent.
    Assert<Equals<NullAsAbsent<Arg<'moveTask', 1>, 'version'>, Op['moveTask']['body']>>,
    Assert<Equals<Answer<'moveTask'>, Op['moveTask']['response']>>,
  ];

  getProgress: [Assert<Equals<Answer<'getProgress'>, Op['getProgress']['response']>>];
  getPresence: [Assert<Equals<Answer<'getPresence'>, Op['getPresence']['response']>>];
  listEvents: [
    Assert<Equals<Arg<'getEvents', 1>, Op['listEvents']['query']>>,
    // `events`: the SDK's typed union, as in the shapes above.
    Assert<Equals<Answer<'getEvents'>, SDK.EventPage>>,
    Assert<Equals<Op['listEvents']['response'], S.EventsPage>>,
  ];

  // The method takes the text and sends `{body}`.
  addComment: [
    Assert<Equals<{ body: Arg<'addComment', 1> }, Op['addComment']['body']>>,
    Assert<Equals<Answer<'addComment'>, Op['addComment']['response']>>,
  ];
  listComments: [Assert<Equals<Answer<'listComments'>, Op['listComments']['response']>>];
  // The method takes the text and sends `{body}`.
  updateComment: [
    Assert<Equals<{ body: Arg<'updateComment', 1> }, Op['updateComment']['body']>>,
    Assert<Equals<Answer<'updateComment'>, Op['updateComment']['response']>>,
  ];
  deleteComment: [Assert<Equals<Answer<'deleteComment'>, Op['deleteComment']['response']>>];
};

/** Every operation of the document has its entry above, and no entry is for another. */
export type EveryOperation = Assert<Equals<keyof Operations, keyof Op>>;
export type { Operations };
