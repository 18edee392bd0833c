/**
 * One plan as a live board: a snapshot, then every event after its seq (the hook joins
 * with `since`), with this page's own writes applied from their answers.
 *
 * A move is shown at once (a guess) and made with one `moveTask` call; its answer
 * replaces the guess. Refused because the column is full (409 `wip_limit`): the card goes
 * back and a message names the column and its limit (owners may move it anyway). Refused
 * because the task changed meanwhile (409 `conflict`): the board is loaded again.
 *
 * Sprints: the active one is shown in the head; the "Sprints" panel creates, starts and
 * completes them (editors); the filter bar shows one sprint, or the backlog.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { LivePlanError, type ColumnPatch, type LivePlanClient, type PlanEvent, type PlanSnapshot, type Task, type TaskStatus, type UserRef } from 'liveplan-client';
import { usePlanWebSocket, type TypingEntry } from 'liveplan-client/react';
import {
  activeSprint,
  applyEvent,
  columnOrderAfter,
  columnTasks,
  fromSnapshot,
  isSamePlace,
  nameOf,
  progressOf,
  roleOf,
  withColumn,
  withColumnOrder,
  withComment,
  withComments,
  withCompletion,
  withMember,
  withoutColumn,
  withoutTask,
  withSprint,
  wipMessage,
  withTask,
  type BoardState,
} from './board-state';
import { Board, type BoardActions } from './Board';
import { ConnectionState } from './ConnectionState';
import { FilterBar } from './FilterBar';
import { isFiltering, labelsOf, matches, NO_FILTER, type BoardFilter } from './filters';
import { Members } from './Members';
import { PresenceBar } from './PresenceBar';
import { ActiveSprint, Sprints, type SprintActions } from './Sprints';
import { TaskDialog } from './TaskDialog';
import { useToast } from './toasts';

/** The task an event is about, if any. */
function taskOf(event: PlanEvent): string | undefined {
  switch (event.type) {
    case 'task-created':
    case 'task-updated':
    case 'task-moved':
      return event.data.task.id;
    case 'task-deleted':
      return event.data.taskId;
    case 'comment-added':
      return event.data.comment.taskId;
    default:
      return undefined;
  }
}

/** What a toast says someone did to the open card. */
const DID: Partial<Record<PlanEvent['type'], string>> = {
  'task-deleted': 'deleted',
  'comment-added': 'commented on',
  'task-moved': 'moved',
};

type Place = Pick<Task, 'columnId' | 'position' | 'status'>;
const placeOf = (t: Task): Place => ({ columnId: t.columnId, position: t.position, status: t.status });

/** A task's moves not answered yet: the latest one (shown), and where the server has the task. */
interface PendingMoves {
  latest: number;
  guess: Place;
  home: Place;
}

export function BoardPage({ planId, me, client }: { planId: string; me: UserRef; client: LivePlanClient }) {
  const toast = useToast();
  // The state lives in a ref too, so that a write's answer and the next write read the
  // latest state without waiting for a render.
  const [state, setShown] = useState<BoardState>();
  const stateRef = useRef<BoardState | undefined>(undefined);
  const update = useCallback((change: (s: BoardState) => BoardState) => {
    const s = stateRef.current;
    if (!s) return;
    const next = change(s);
    if (next === s) return;
    stateRef.current = next;
    setShown(next);
  }, []);
  const replace = useCallback((next: BoardState) => {
    stateRef.current = next;
    setShown(next);
  }, []);

  const [since, setSince] = useState<number>();
  const [loadError, setLoadError] = useState<string>();
  const [openId, setOpenId] = useState<string>();
  const [showMembers, setShowMembers] = useState(false);
  const [showSprints, setShowSprints] = useState(false);
  const [filter, setFilter] = useState<BoardFilter>(NO_FILTER);
  /** Events at or before this seq are already in the state (a snapshot taken after they happened). */
  const baseSeq = useRef(0);
  /** The seq the state is at: the snapshot's, then each event's as it is applied. */
  const appliedSeq = useRef(0);
  /**
   * Set when one of this page's own moves was answered before the events of others that
   * came before it arrived (their seqs are lower): once they have, the page reloads the
   * snapshot, since they were applied on top of the move instead of under it.
   */
  const reconcileAt = useRef<number | undefined>(undefined);
  const openRef = useRef(openId);
  openRef.current = openId;

  const load = useCallback(async () => {
    try {
      const snapshot = await client.api.getPlan(planId);
      baseSeq.current = snapshot.seq;
      appliedSeq.current = Math.max(appliedSeq.current, snapshot.seq);
      if (reconcileAt.current !== undefined && snapshot.seq >= reconcileAt.current) reconcileAt.current = undefined;
      replace({ ...fromSnapshot(snapshot), comments: stateRef.current?.comments ?? {} });
      setSince((s) => s ?? snapshot.seq);
      setLoadError(undefined);
    } catch (e) {
      setLoadError((e as Error).message);
    }
  }, [client, planId, replace]);
  useEffect(() => {
    void load();
  }, [load]);

  const onEvent = useCallback(
    (event: PlanEvent) => {
      if (event.seq <= baseSeq.current) return;
      update((s) => applyEvent(s, event));
      appliedSeq.current = event.seq;
      if (reconcileAt.current !== undefined && event.seq >= reconcileAt.current) {
        reconcileAt.current = undefined;
        void load();
      }
      const taskId = taskOf(event);
      if (taskId && taskId === openRef.current && event.actor.id !== me.id)
        toast(`${event.actor.name} ${DID[event.type] ?? 'changed'} this card`);
    },
    [me.id, toast, update, load],
  );
  const onResync = useCallback(
    (fresh: PlanSnapshot) => {
      baseSeq.current = fresh.seq;
      appliedSeq.current = fresh.seq;
      replace({ ...fromSnapshot(fresh), comments: stateRef.current?.comments ?? {} });
    },
    [replace],
  );

  const live = usePlanWebSocket({ planId, enabled: since !== undefined, ...(since !== undefined ? { since } : {}), onEvent, onResync });

  // Typing by others, by task.
  const typing = useMemo(() => {
    const byTask = new Map<string, TypingEntry[]>();
    for (const t of live.typing) {
      if (t.user.id === me.id) continue;
      byTask.set(t.taskId, [...(byTask.get(t.taskId) ?? []), t]);
    }
    return byTask;
  }, [live.typing, me.id]);

  // The open task's comments, loaded once.
  const commentsLoaded = state && openId ? state.comments[openId] !== undefined : true;
  useEffect(() => {
    if (!openId || commentsLoaded) return;
    let on = true;
    client.api
      .listComments(openId)
      .then((list) => on && update((s) => withComments(s, openId, list)))
      .catch((e: Error) => on && toast(e.message, 'error'));
    return () => {
      on = false;
    };
  }, [client, openId, commentsLoaded, toast, update]);

  const isOwner = () => roleOf(stateRef.current!, me.id) === 'owner';

  // ---- moves: one at a time, each from the place the previous one's answer left ----
  const queue = useRef<Promise<void>>(Promise.resolve());
  const moveCount = useRef(0);
  const pending = useRef(new Map<string, PendingMoves>());

  const moveTask = useCallback(
    (taskId: string, columnId: string, position: number, force = false) => {
      const s = stateRef.current;
      const task = s?.tasks.find((t) => t.id === taskId);
      const target = s?.columns.find((c) => c.id === columnId);
      if (!s || !task || !target || (!force && isSamePlace(s.tasks, task, columnId, position))) return;
      const n = ++moveCount.current;
      const guess: Place = { columnId, position, status: target.category };
      const entry = pending.current.get(taskId);
      pending.current.set(taskId, { latest: n, guess, home: entry?.home ?? placeOf(task) });
      update((st) => withTask(st, { ...task, ...guess }));

      queue.current = queue.current.then(async () => {
        const current = stateRef.current?.tasks.find((t) => t.id === taskId);
        if (!current) {
          pending.current.delete(taskId); // deleted meanwhile
          return;
        }
        try {
          // `request` (not `moveTask`) for the answer's seq: see `reconcileAt`.
          const answer = await client.api.request<Task>(
            'POST',
            `/api/tasks/${encodeURIComponent(taskId)}/move`,
            { columnId, position, ...(force ? { force: true } : {}) },
            { headers: { 'If-Match': `"${current.version}"` } },
          );
          const saved = answer.data;
          if (answer.seq !== undefined) {
            if (answer.seq - 1 > appliedSeq.current)
              reconcileAt.current = Math.max(reconcileAt.current ?? 0, answer.seq - 1);
            else appliedSeq.current = Math.max(appliedSeq.current, answer.seq);
          }
          const p = pending.current.get(taskId);
          if (!p || p.latest === n) {
            pending.current.delete(taskId);
            update((st) => withTask(st, saved));
          } else {
            // A later move is under way: its guess stays on top of this answer.
            p.home = placeOf(saved);
            update((st) => withTask(withTask(st, saved), { ...saved, ...p.guess }));
          }
        } catch (e) {
          const p = pending.current.get(taskId);
          const last = !p || p.latest === n;
          if (last) pending.current.delete(taskId);
          const err = e instanceof LivePlanError ? e : undefined;
          if (err?.code === 'wip_limit') {
            // Back where the server has it (unless someone moved it meanwhile, or a later move stands).
            if (last && p)
              update((st) => {
                const now = st.tasks.find((t) => t.id === taskId);
                return now && now.columnId === columnId ? withTask(st, { ...now, ...p.home }) : st;
              });
            const text = wipMessage(stateRef.current?.columns ?? [], columnId, err.message, task.title, 'was put back');
            if (isOwner())
              toast(`${text} As an owner, you may move it anyway.`, 'error', {
                label: 'Move anyway',
                run: () => moveTask(taskId, columnId, position, true),
              });
            else toast(text, 'error');
          } else if (err?.code === 'conflict') {
            toast('This card changed meanwhile: the board shows it as it is now.');
            await load();
          } else {
            toast((e as Error).message, 'error');
            await load(); // back to what the server holds
          }
        }
      });
    },
    [client, load, toast, update],
  );

  const createTask = async (columnId: string, title: string, force = false): Promise<boolean> => {
    try {
      const task = await client.api.createTask(planId, { title, columnId, ...(force ? { force: true } : {}) });
      update((s) => withTask(s, task));
      return true;
    } catch (e) {
      if (e instanceof LivePlanError && e.code === 'wip_limit') {
        const text = wipMessage(stateRef.current?.columns ?? [], columnId, e.message, title, 'was not added');
        if (isOwner())
          toast(`${text} As an owner, you may add it anyway.`, 'error', { label: 'Add anyway', run: () => void createTask(columnId, title, true) });
        else toast(text, 'error');
      } else toast((e as Error).message, 'error');
      return false;
    }
  };

  /** A column or sprint change: its answer goes into the state; a failure is said (the alert region), and answers false. */
  const columnCall = async <T,>(call: () => Promise<T>, apply: (s: BoardState, answer: T) => BoardState): Promise<boolean> => {
    try {
      const answer = await call();
      update((s) => apply(s, answer));
      return true;
    } catch (e) {
      toast((e as Error).message, 'error');
      return false;
    }
  };

  const actions: BoardActions = {
    moveTask: (id, columnId, position) => moveTask(id, columnId, position),
    openTask: setOpenId,
    createTask: (columnId, title) => createTask(columnId, title),
    addColumn: (name: string, category: TaskStatus) =>
      columnCall(() => client.api.createColumn(planId, { name, category }), withColumn),
    updateColumn: (columnId: string, patch: ColumnPatch) => columnCall(() => client.api.updateColumn(columnId, patch), withColumn),
    deleteColumn: (columnId, moveTo) =>
      columnCall(
        () => client.api.deleteColumn(columnId, moveTo),
        (s) => withoutColumn(s, columnId, moveTo ?? null),
      ),
    moveColumn: (columnId, index) => {
      const order = stateRef.current && columnOrderAfter(stateRef.current.columns, columnId, index);
      if (!order) return;
      update((s) => withColumnOrder(s, order));
      void columnCall(
        () => client.api.reorderColumns(planId, order),
        (s, answer) => withColumnOrder(s, answer.columnIds),
      ).then((ok) => {
        if (!ok) void load(); // back to the server's order
      });
    },
  };

  const sprintActions: SprintActions = {
    create: (name, goal, startsAt, endsAt) =>
      columnCall(() => client.api.createSprint(planId, { name, goal, startsAt, endsAt }), withSprint),
    start: (sprintId) => columnCall(() => client.api.startSprint(sprintId), withSprint),
    complete: (sprintId, carryOverTo) =>
      columnCall(
        () => client.api.completeSprint(sprintId, carryOverTo),
        (s, answer) => withCompletion(s, answer, carryOverTo),
      ),
  };

  const visible = useCallback((t: Task) => matches(t, filter), [filter]);

  if (loadError && !state)
    return (
      <section className="notice">
        <p role="alert">Could not open this plan: {loadError}</p>
        <a href="#/">Back to the plans</a>
      </section>
    );
  if (!state) return <p aria-busy="true">Loading the plan…</p>;
  if (state.deleted || live.planState === 'removed')
    return (
      <section className="notice">
        <p role="alert">{state.deleted ? 'This plan was deleted.' : 'You are no longer a member of this plan.'}</p>
        <a href="#/">Back to the plans</a>
      </section>
    );

  const role = roleOf(state, me.id);
  // An archived plan is read-only for everyone until an owner restores it.
  const archived = state.plan.archivedAt !== null;
  const canEdit = (role === 'editor' || role === 'owner') && !archived;
  const progress = progressOf(state);
  const open = openId ? state.tasks.find((t) => t.id === openId) : undefined;
  const labels = labelsOf(state.tasks);
  const filtering = isFiltering(filter);

  return (
    <div className="board-page">
      <div className="board-head">
        <h1>{state.plan.title}</h1>
        <ConnectionState status={live.status} joined={live.isConnected} retryAt={live.retryAt} />
        <PresenceBar participants={live.participants} />
        <button type="button" className="link" onClick={() => setShowSprints((v) => !v)} aria-expanded={showSprints}>
          Sprints ({state.sprints.length})
        </button>
        <button type="button" className="link" onClick={() => setShowMembers((v) => !v)} aria-expanded={showMembers}>
          Members ({state.members.length})
        </button>
      </div>
      <ActiveSprint sprint={activeSprint(state)} tasks={state.tasks} />
      <div className="progress" aria-label="Progress">
        <div
          className="progress-bar"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress.percent}
          aria-label={`${progress.done} of ${progress.total} done`}
        >
          <span style={{ width: `${progress.percent}%` }} />
        </div>
        <span>
          {progress.done} of {progress.total} done ({progress.percent}%)
        </span>
        {archived ? (
          <span className="hint">This plan is archived: it is read-only until an owner restores it.</span>
        ) : (
          !canEdit && <span className="hint">You can view this plan; only editors can change it.</span>
        )}
      </div>
      {showMembers && (
        <Members
          planId={planId}
          members={state.members}
          isOwner={role === 'owner'}
          client={client}
          onChanged={(m) => update((s) => withMember(s, m))}
          onClose={() => setShowMembers(false)}
        />
      )}
      {showSprints && (
        <Sprints
          sprints={state.sprints}
          tasks={state.tasks}
          canEdit={canEdit}
          actions={sprintActions}
          onClose={() => setShowSprints(false)}
        />
      )}
      <FilterBar
        filter={filter}
        onChange={setFilter}
        labels={labels}
        members={state.members}
        sprints={state.sprints}
        shown={filtering ? state.tasks.filter(visible).length : state.tasks.length}
        total={state.tasks.length}
      />
      <p className="hint keyboard-hint">Drag cards between columns, or focus one and use Alt + arrow keys. Enter opens it.</p>
      <Board
        columns={state.columns}
        tasks={state.tasks}
        visible={visible}
        filtering={filtering}
        canEdit={canEdit}
        isOwner={role === 'owner'}
        typing={typing}
        nameOf={(id) => nameOf(state, id)}
        sprintName={filter.sprint === '' ? (id) => state.sprints.find((x) => x.id === id)?.name : undefined}
        actions={actions}
      />
      {open && (
        <TaskDialog
          key={open.id}
          task={open}
          client={client}
          canEdit={canEdit}
          members={state.members}
          columns={state.columns}
          sprints={state.sprints}
          knownLabels={labels}
          comments={state.comments[open.id]}
          typing={typing.get(open.id) ?? []}
          sendTyping={live.sendTyping}
          onSaved={(t: Task) => update((s) => withTask(s, t))}
          onMove={(columnId) => moveTask(open.id, columnId, columnTasks(state.tasks, columnId).length)}
          onDeleted={(id) => {
            setOpenId(undefined);
            update((s) => withoutTask(s, id));
          }}
          onComment={(c) => update((s) => withComment(s, c))}
          onClose={() => setOpenId(undefined)}
        />
      )}
    </div>
  );
}
