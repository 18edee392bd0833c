/**
 * One task, opened: edit title, description, column, assignee and due date; comments;
 * delete. Saves with `If-Match` (the version it shows), so a change made meanwhile by
 * someone else is never overwritten unseen. Tells the room while the user types.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { LivePlanError, type Comment, type LivePlanClient, type Member, type Task, type TaskStatus } from 'liveplan-client';
import type { TypingEntry } from 'liveplan-client/react';
import { COLUMNS } from './board-state';
import { useToast } from './toasts';

export interface TaskDialogProps {
  task: Task;
  client: LivePlanClient;
  canEdit: boolean;
  members: Member[];
  comments: Comment[] | undefined;
  typing: TypingEntry[];
  sendTyping: (taskId: string, isTyping: boolean) => void;
  onSaved: (task: Task) => void;
  onDeleted: (taskId: string) => void;
  onComment: (comment: Comment) => void;
  onClose: () => void;
}

interface Draft {
  title: string;
  description: string;
  status: TaskStatus;
  assigneeId: string;
  due: string;
}

function draftOf(t: Task): Draft {
  return {
    title: t.title,
    description: t.description ?? '',
    status: t.status,
    assigneeId: t.assigneeId ?? '',
    due: t.dueAt ? t.dueAt.slice(0, 10) : '',
  };
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

  // A newer version from someone else: shown at once unless the user is editing.
  useEffect(() => {
    if (task.version === base.version) return;
    if (!dirty) {
      setDraft(draftOf(task));
      setBase(task);
    }
  }, [task, base.version, dirty]);

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
      status: draft.status,
      assigneeId: draft.assigneeId || null,
      dueAt: draft.due ? `${draft.due}T00:00:00Z` : null,
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
                <select value={draft.status} onChange={(e) => edit('status', e.target.value as TaskStatus)}>
                  {COLUMNS.map((c) => (
                    <option key={c.status} value={c.status}>
                      {c.title}
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
