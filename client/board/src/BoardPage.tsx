/**
 * One plan as a live board: a snapshot, then every event after its seq (the hook joins
 * with `since`), with this page's own writes applied from their answers.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LivePlanClient, PlanEvent, PlanSnapshot, Task, TaskStatus, UserRef } from 'liveplan-client';
import { usePlanWebSocket, type TypingEntry } from 'liveplan-client/react';
import {
  applyEvent,
  fromSnapshot,
  nameOf,
  planMove,
  progressOf,
  roleOf,
  withComment,
  withComments,
  withMember,
  withOrder,
  withoutTask,
  withTask,
  type BoardState,
} from './board-state';
import { Board } from './Board';
import { ConnectionState } from './ConnectionState';
import { Members } from './Members';
import { PresenceBar } from './PresenceBar';
import { TaskDialog } from './TaskDialog';
import { useToast } from './toasts';

/** The task an event is about, if any. */
function taskOf(event: PlanEvent): string | undefined {
  switch (event.type) {
    case 'task-created':
    case 'task-updated':
      return event.data.task.id;
    case 'task-deleted':
      return event.data.taskId;
    case 'comment-added':
      return event.data.comment.taskId;
    default:
      return undefined;
  }
}

export function BoardPage({ planId, me, client }: { planId: string; me: UserRef; client: LivePlanClient }) {
  const toast = useToast();
  const [state, setState] = useState<BoardState>();
  const [since, setSince] = useState<number>();
  const [loadError, setLoadError] = useState<string>();
  const [openId, setOpenId] = useState<string>();
  const [showMembers, setShowMembers] = useState(false);
  /** Events at or before this seq are already in the state (a snapshot taken after they happened). */
  const baseSeq = useRef(0);
  const openRef = useRef(openId);
  openRef.current = openId;

  const load = useCallback(async () => {
    try {
      const snapshot = await client.api.getPlan(planId);
      baseSeq.current = snapshot.seq;
      setState((old) => ({ ...fromSnapshot(snapshot), comments: old?.comments ?? {} }));
      setSince((s) => s ?? snapshot.seq);
      setLoadError(undefined);
    } catch (e) {
      setLoadError((e as Error).message);
    }
  }, [client, planId]);
  useEffect(() => {
    void load();
  }, [load]);

  const onEvent = useCallback(
    (event: PlanEvent) => {
      if (event.seq <= baseSeq.current) return;
      setState((s) => (s ? applyEvent(s, event) : s));
      const taskId = taskOf(event);
      if (taskId && taskId === openRef.current && event.actor.id !== me.id) {
        const what = event.type === 'task-deleted' ? 'deleted' : event.type === 'comment-added' ? 'commented on' : 'changed';
        toast(`${event.actor.name} ${what} this card`);
      }
    },
    [me.id, toast],
  );
  const onResync = useCallback((fresh: PlanSnapshot) => {
    baseSeq.current = fresh.seq;
    setState((old) => ({ ...fromSnapshot(fresh), comments: old?.comments ?? {} }));
  }, []);

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
      .then((list) => on && setState((s) => (s ? withComments(s, openId, list) : s)))
      .catch((e: Error) => on && toast(e.message, 'error'));
    return () => {
      on = false;
    };
  }, [client, openId, commentsLoaded, toast]);

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
  const canEdit = role === 'editor' || role === 'owner';
  const progress = progressOf(state);
  const open = openId ? state.tasks.find((t) => t.id === openId) : undefined;

  const failed = (e: unknown) => {
    toast((e as Error).message, 'error');
    void load(); // back to what the server holds
  };

  const move = async (taskId: string, to: TaskStatus, index: number) => {
    const task = state.tasks.find((t) => t.id === taskId);
    const plan = planMove(state.tasks, taskId, to, index);
    if (!task || !plan) return;
    // Shown at once; the answers replace the guesses.
    setState((s) => {
      let n = s!;
      if (plan.statusChanged) n = withTask(n, { ...task, status: to });
      if (plan.order.length) n = withOrder(n, plan.order);
      return n;
    });
    try {
      if (plan.statusChanged) {
        const saved = await client.api.updateTask(taskId, { status: to }, { ifMatch: task.version });
        setState((s) => s && withTask(s, saved));
      }
      if (plan.order.length) {
        const { taskIds } = await client.api.reorderTasks(planId, plan.order);
        setState((s) => s && withOrder(s, taskIds));
      }
    } catch (e) {
      failed(e);
    }
  };

  const create = async (status: TaskStatus, title: string) => {
    try {
      const task = await client.api.createTask(planId, { title, status });
      setState((s) => s && withTask(s, task));
      return true;
    } catch (e) {
      toast((e as Error).message, 'error');
      return false;
    }
  };

  return (
    <div className="board-page">
      <div className="board-head">
        <h1>{state.plan.title}</h1>
        <ConnectionState status={live.status} joined={live.isConnected} retryAt={live.retryAt} />
        <PresenceBar participants={live.participants} />
        <button type="button" className="link" onClick={() => setShowMembers((v) => !v)} aria-expanded={showMembers}>
          Members ({state.members.length})
        </button>
      </div>
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
        {!canEdit && <span className="hint">You can view this plan; only editors can change it.</span>}
      </div>
      {showMembers && (
        <Members
          planId={planId}
          members={state.members}
          isOwner={role === 'owner'}
          client={client}
          onChanged={(m) => setState((s) => s && withMember(s, m))}
          onClose={() => setShowMembers(false)}
        />
      )}
      <p className="hint keyboard-hint">Drag cards between columns, or focus one and use Alt + arrow keys. Enter opens it.</p>
      <Board
        tasks={state.tasks}
        canEdit={canEdit}
        typing={typing}
        nameOf={(id) => nameOf(state, id)}
        onMove={(id, to, index) => void move(id, to, index)}
        onOpen={setOpenId}
        onCreate={create}
      />
      {open && (
        <TaskDialog
          key={open.id}
          task={open}
          client={client}
          canEdit={canEdit}
          members={state.members}
          comments={state.comments[open.id]}
          typing={typing.get(open.id) ?? []}
          sendTyping={live.sendTyping}
          onSaved={(t: Task) => setState((s) => s && withTask(s, t))}
          onDeleted={(id) => {
            setOpenId(undefined);
            setState((s) => s && withoutTask(s, id));
          }}
          onComment={(c) => setState((s) => s && withComment(s, c))}
          onClose={() => setOpenId(undefined)}
        />
      )}
    </div>
  );
}
