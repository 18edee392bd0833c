/**
 * One task, opened: edit title, description, priority, labels, assignee and due date;
 * comments; delete. Saves with `If-Match` (the version it shows), so a change made
 * meanwhile by someone else is never overwritten unseen. The column select moves the
 * card at once (as a drag does: `onMove`), apart from the form's Save. The sprint select
 * (the backlog or a sprint that is not completed) is saved with the form. Tells the room
 * while the user types.
 */
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { LivePlanError, type Column, type Comment, type LivePlanClient, type Member, type Priority, type Sprint, type Task } from 'liveplan-client';
import type { TypingEntry } from 'liveplan-client/react';
import { PRIORITIES } from './board-state';
import { sprintLabel } from './Sprints';
import { useToast } from './toasts';

export interface TaskDialogProps {
  task: Task;
  client: LivePlanClient;
  canEdit: boolean;
  members: Member[];
  columns: Column[];
  sprints: Sprint[];
  /** Labels in use on the board (suggestions). */
  knownLabels: string[];
  comments: Comment[] | undefined;
  typing: TypingEntry[];
  sendTyping: (taskId: string, isTyping: boolean) => void;
  onSaved: (task: Task) => void;
  /** Moves the card to the end of that column. */
  onMove: (columnId: string) => void;
  onDeleted: (taskId: string) => void;
  onComment: (comment: Comment) => void;
  onClose: () => void;
}

interface Draft {
  title: string;
  description: string;
  assigneeId: string;
  due: string;
  priority: Priority;
  labels: string[];
  /** '' the backlog. */
  sprintId: string;
}

function draftOf(t: Task): Draft {
  return {
    title: t.title,
    description: t.description ?? '',
    assigneeId: t.assigneeId ?? '',
    due: t.dueAt ? t.dueAt.slice(0, 10) : '',
    priority: t.priority,
    labels: t.labels,
    sprintId: t.sprintId ?? '',
  };
}

/** Whether two versions of a task differ in what the form edits (not in where the card is). */
function sameContent(a: Task, b: Task): boolean {
  return (
    a.title === b.title &&
    a.description === b.description &&
    a.assigneeId === b.assigneeId &&
    a.dueAt === b.dueAt &&
    a.priority === b.priority &&
    a.labels.join('\n') === b.labels.join('\n') &&
    a.sprintId === b.sprintId
  );
}

export function TaskDialog(props: TaskDialogProps) {
  const { task, client, canEdit } = props;
  const toast = useToast();
  const titleId = useId();
  const [draft, setDraft] = useState(() => draftOf(task));
  const [base, setBase] = useState(task);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [comment, setComment] = useState('');
  const dialog = useRef<HTMLDivElement>(null);

  // A newer version from someone else: shown at once unless the user is editing. A move
  // (a new column, a new version) changes nothing the form edits: the edits stay and the
  // next save goes on from it.
  useEffect(() => {
    if (task.version === base.version) return;
    if (!dirty) setDraft(draftOf(task));
    if (!dirty || sameContent(task, base)) setBase(task);
  }, [task, base, dirty]);

  // Typing ends when the dialog closes.
  const typingSent = useRef(false);
  const typing = (on: boolean) => {
    if (typingSent.current === on) return;
    typingSent.current = on;
    props.sendTyping(task.id, on);
  };
  useEffect(() => () => void (typingSent.current && props.sendTyping(task.id, false)), [task.id]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    dialog.current?.querySelector<HTMLElement>('input, textarea, button')?.focus();
  }, []);

  const edit = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setDirty(true);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    typing(false);
    const patch = {
      title: draft.title.trim(),
      description: draft.description.trim() ? draft.description : null,
      assigneeId: draft.assigneeId || null,
      dueAt: draft.due ? `${draft.due}T00:00:00Z` : null,
      priority: draft.priority,
      labels: draft.labels,
      sprintId: draft.sprintId || null,
    };
    try {
      const saved = await client.api.updateTask(task.id, patch, { ifMatch: base.version });
      props.onSaved(saved);
      setBase(saved);
      setDraft(draftOf(saved));
      setDirty(false);
      toast('Saved');
    } catch (err) {
      if (err instanceof LivePlanError && err.status === 409 && err.current) {
        props.onSaved(err.current);
        setError('Someone else changed this task meanwhile: their version is shown, your edits are kept. Save again to apply them on top.');
        setBase(err.current);
      } else setError((err as Error).message);
    }
  };

  const remove = async () => {
    try {
      await client.api.deleteTask(task.id);
      props.onDeleted(task.id);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const addComment = async (e: FormEvent) => {
    e.preventDefault();
    typing(false);
    try {
      props.onComment(await client.api.addComment(task.id, comment));
      setComment('');
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const [label, setLabel] = useState('');
  const addLabel = () => {
    const l = label.trim().replace(/,+$/, '').trim();
    if (l && !draft.labels.includes(l)) edit('labels', [...draft.labels, l]);
    setLabel('');
  };
  const onLabelKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      addLabel();
    }
  };
  const labelsId = useId();

  const others = props.typing.map((t) => t.user.name);
  const nameOf = (id: string) => props.members.find((m) => m.userId === id)?.name ?? id;

  return (
    <div className="backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        ref={dialog}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
      >
        <header>
          <h2 id={titleId}>{base.title}</h2>
          <button type="button" className="link" onClick={props.onClose} aria-label="Close">
            ✕
          </button>
        </header>
        {others.length > 0 && <p className="typing">{others.join(', ')} {others.length > 1 ? 'are' : 'is'} typing…</p>}
        <form onSubmit={save} className="task-form">
          <fieldset disabled={!canEdit}>
            <label>
              Title
              <input
                value={draft.title}
                required
                maxLength={200}
                onChange={(e) => {
                  edit('title', e.target.value);
                  typing(true);
                }}
                onBlur={() => typing(false)}
              />
            </label>
            <label>
              Description
              <textarea
                value={draft.description}
                rows={4}
                onChange={(e) => {
                  edit('description', e.target.value);
                  typing(true);
                }}
                onBlur={() => typing(false)}
              />
            </label>
            <div className="row">
              <label>
                Column
                <select value={task.columnId} onChange={(e) => props.onMove(e.target.value)}>
                  {props.columns.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Priority
                <select value={draft.priority} onChange={(e) => edit('priority', e.target.value as Priority)}>
                  {PRIORITIES.map((p) => (
                    <option key={p.priority} value={p.priority}>
                      {p.title}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Assignee
                <select value={draft.assigneeId} onChange={(e) => edit('assigneeId', e.target.value)}>
                  <option value="">Nobody</option>
                  {props.members.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Due
                <input type="date" value={draft.due} onChange={(e) => edit('due', e.target.value)} />
              </label>
              <label>
                Sprint
                <select value={draft.sprintId} onChange={(e) => edit('sprintId', e.target.value)}>
                  <option value="">Backlog (no sprint)</option>
                  {/* A completed sprint takes no more tasks; a task already in it shows it. */}
                  {props.sprints
                    .filter((s) => s.status !== 'completed' || s.id === draft.sprintId)
                    .map((s) => (
                      <option key={s.id} value={s.id} disabled={s.status === 'completed'}>
                        {sprintLabel(s)}
                      </option>
                    ))}
                </select>
              </label>
            </div>
            <div className="labels-edit">
              <span className="labels-title" id={labelsId}>
                Labels
              </span>
              <ul className="chips" aria-labelledby={labelsId}>
                {draft.labels.map((l) => (
                  <li key={l} className="chip">
                    {l}
                    {canEdit && (
                      <button type="button" className="chip-remove" aria-label={`Remove label ${l}`} onClick={() => edit('labels', draft.labels.filter((x) => x !== l))}>
                        ×
                      </button>
                    )}
                  </li>
                ))}
                {draft.labels.length === 0 && <li className="hint">None</li>}
              </ul>
              {canEdit && (
                <div className="label-add">
                  <label>
                    Add a label
                    <input
                      value={label}
                      maxLength={40}
                      list={`${labelsId}-known`}
                      onChange={(e) => setLabel(e.target.value)}
                      onKeyDown={onLabelKey}
                      disabled={draft.labels.length >= 20}
                    />
                  </label>
                  <datalist id={`${labelsId}-known`}>
                    {props.knownLabels
                      .filter((l) => !draft.labels.includes(l))
                      .map((l) => (
                        <option key={l} value={l} />
                      ))}
                  </datalist>
                  <button type="button" onClick={addLabel} disabled={!label.trim()}>
                    Add label
                  </button>
                </div>
              )}
            </div>
            {canEdit && (
              <div className="actions">
                <button type="submit" disabled={!dirty || !draft.title.trim()}>
                  Save
                </button>
                {confirmDelete ? (
                  <>
                    <span>Delete this task?</span>
                    <button type="button" className="danger" onClick={remove}>
                      Yes, delete
                    </button>
                    <button type="button" onClick={() => setConfirmDelete(false)}>
                      No
                    </button>
                  </>
                ) : (
                  <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
                    Delete
                  </button>
                )}
              </div>
            )}
          </fieldset>
        </form>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <section className="comments" aria-label="Comments">
          <h3>Comments</h3>
          {props.comments === undefined ? (
            <p aria-busy="true">Loading…</p>
          ) : props.comments.length === 0 ? (
            <p className="hint">No comments yet.</p>
          ) : (
            <ul>
              {props.comments.map((c) => (
                <li key={c.id}>
                  <strong>{nameOf(c.authorId)}</strong> <time dateTime={c.createdAt}>{new Date(c.createdAt).toLocaleString()}</time>
                  <p>{c.body}</p>
                </li>
              ))}
            </ul>
          )}
          {canEdit && (
            <form onSubmit={addComment} className="inline-form">
              <label>
                Comment
                <input
                  value={comment}
                  maxLength={10000}
                  onChange={(e) => {
                    setComment(e.target.value);
                    typing(true);
                  }}
                  onBlur={() => typing(false)}
                />
              </label>
              <button type="submit" disabled={!comment.trim()}>
                Add
              </button>
            </form>
          )}
        </section>
      </div>
    </div>
  );
}
