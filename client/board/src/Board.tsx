/**
 * The plan's columns, in order, and their cards. Cards move by drag and drop (mouse) or
 * from the keyboard (Alt + arrow keys on a focused card); columns are reordered by
 * dragging their header or with their settings' buttons. The page makes the REST calls
 * (`actions`); this only says where things go.
 */
import { useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import type { Column, ColumnPatch, Task, TaskStatus } from 'liveplan-client';
import type { TypingEntry } from 'liveplan-client/react';
import { CATEGORIES, columnTasks, keyboardMove, landing, PRIORITIES, wipState, type Anchor, type ArrowKey } from './board-state';
import { Avatar } from './PresenceBar';

export interface BoardActions {
  moveTask: (taskId: string, columnId: string, position: number) => void;
  openTask: (taskId: string) => void;
  createTask: (columnId: string, title: string) => Promise<boolean>;
  addColumn: (name: string, category: TaskStatus) => Promise<boolean>;
  updateColumn: (columnId: string, patch: ColumnPatch) => Promise<boolean>;
  deleteColumn: (columnId: string, moveTo: string | undefined) => Promise<boolean>;
  moveColumn: (columnId: string, index: number) => void;
}

export interface BoardProps {
  columns: Column[];
  /** Every task, in board order. */
  tasks: Task[];
  /** Whether the filter bar lets a card show. */
  visible: (task: Task) => boolean;
  filtering: boolean;
  canEdit: boolean;
  isOwner: boolean;
  /** Who is typing (others only), by task id. */
  typing: Map<string, TypingEntry[]>;
  nameOf: (userId: string | null) => string | undefined;
  /** A sprint's name, for the card's sprint chip; undefined: no chips (a sprint is filtered). */
  sprintName?: ((sprintId: string) => string | undefined) | undefined;
  actions: BoardActions;
}

const DRAG_TASK = 'application/x-liveplan-task';
const DRAG_COLUMN = 'application/x-liveplan-column';

export function Board(props: BoardProps) {
  const [dragging, setDragging] = useState<string>();
  return (
    <div className="board" role="group" aria-label="Board">
      {props.columns.map((c, i) => (
        <ColumnView key={c.id} {...props} column={c} index={i} dragging={dragging} setDragging={setDragging} />
      ))}
      {props.canEdit && <AddColumn onAdd={props.actions.addColumn} />}
    </div>
  );
}

interface ColumnProps extends BoardProps {
  column: Column;
  index: number;
  dragging: string | undefined;
  setDragging: (id: string | undefined) => void;
}

function ColumnView(props: ColumnProps) {
  const { column, tasks, canEdit, dragging, setDragging, actions } = props;
  const all = columnTasks(tasks, column.id);
  const cards = all.filter(props.visible);
  const list = useRef<HTMLOListElement>(null);
  const [over, setOver] = useState(false);
  const [settings, setSettings] = useState(false);

  /** Where a card dropped at `y` lands: before the card the user saw there, or after the last. */
  const dropAnchor = (y: number): Anchor => {
    const items = [...(list.current?.querySelectorAll<HTMLElement>('[data-task-id]') ?? [])].filter(
      (el) => el.dataset.taskId !== dragging,
    );
    const at = items.find((el) => {
      const r = el.getBoundingClientRect();
      return y < r.top + r.height / 2;
    });
    if (at) return { before: at.dataset.taskId! };
    const last = items[items.length - 1];
    return last ? { after: last.dataset.taskId! } : 'end';
  };
  const onDragOver = (e: DragEvent) => {
    if (!canEdit) return;
    const types = e.dataTransfer.types;
    if (!types.includes(DRAG_TASK) && !types.includes(DRAG_COLUMN)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    setOver(true);
  };
  const onDrop = (e: DragEvent<HTMLElement>) => {
    setOver(false);
    if (!canEdit) return;
    const columnId = e.dataTransfer.getData(DRAG_COLUMN);
    if (columnId) {
      e.preventDefault();
      const r = e.currentTarget.getBoundingClientRect();
      const insert = props.index + (e.clientX > r.left + r.width / 2 ? 1 : 0);
      const from = props.columns.findIndex((c) => c.id === columnId);
      actions.moveColumn(columnId, insert - (from !== -1 && from < insert ? 1 : 0));
      return;
    }
    const id = e.dataTransfer.getData(DRAG_TASK);
    if (!id) return;
    e.preventDefault();
    actions.moveTask(id, column.id, landing(tasks, id, column.id, dropAnchor(e.clientY)));
    setDragging(undefined);
  };

  const onKey = (e: KeyboardEvent, task: Task) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      actions.openTask(task.id);
      return;
    }
    if (!e.altKey || !['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) return;
    e.preventDefault();
    if (!canEdit) return;
    const to = keyboardMove(props.columns, tasks, task.id, e.key as ArrowKey, props.visible);
    if (!to) return;
    actions.moveTask(task.id, to.columnId, to.position);
    // The card is drawn again in its new place: keep the keyboard on it.
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-task-id="${CSS.escape(task.id)}"]`)?.focus());
  };

  const wip = wipState(column, all.length);
  return (
    <section
      className={`column ${over ? 'column-dragover' : ''} ${wip === 'full' || wip === 'over' ? `column-wip-${wip}` : ''}`}
      aria-label={column.name}
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <header
        className="column-head"
        draggable={canEdit}
        onDragStart={(e) => {
          e.dataTransfer.setData(DRAG_COLUMN, column.id);
          e.dataTransfer.effectAllowed = 'move';
        }}
      >
        <h2>
          <span className="column-name">{column.name}</span>{' '}
          <span className="count" title={props.filtering ? 'Cards shown of cards in the column' : 'Cards in the column'}>
            {props.filtering ? `${cards.length} of ${all.length}` : all.length}
          </span>
        </h2>
        {column.wipLimit !== null && (
          <span className={`wip wip-${wip}`} title={`WIP limit: at most ${column.wipLimit} cards`}>
            <span className="sr-only">WIP </span>
            {all.length} / {column.wipLimit}
            {wip === 'full' ? ' full' : wip === 'over' ? ' over' : ''}
          </span>
        )}
        {canEdit && (
          <button
            type="button"
            className="link column-settings-toggle"
            aria-expanded={settings}
            aria-label={`Settings of column ${column.name}`}
            title="Column settings"
            onClick={() => setSettings((v) => !v)}
          >
            ⋯
          </button>
        )}
      </header>
      {canEdit && settings && (
        <ColumnSettings {...props} count={all.length} onClose={() => setSettings(false)} />
      )}
      <ol ref={list} className="cards" aria-label={`${column.name} cards`}>
        {cards.map((task) => (
          <Card key={task.id} {...props} task={task} onKey={onKey} />
        ))}
      </ol>
      {props.filtering && cards.length < all.length && (
        <p className="hint hidden-count">{all.length - cards.length} hidden by the filter</p>
      )}
      {canEdit && <NewCard column={column} onCreate={actions.createTask} />}
    </section>
  );
}

function Card(props: ColumnProps & { task: Task; onKey: (e: KeyboardEvent, task: Task) => void }) {
  const { task, canEdit, dragging, setDragging, actions } = props;
  const typing = props.typing.get(task.id) ?? [];
  const assignee = props.nameOf(task.assigneeId);
  const overdue = task.dueAt !== null && task.status !== 'done' && Date.parse(task.dueAt) < Date.now();
  const priority = PRIORITIES.find((p) => p.priority === task.priority);
  const sprint = task.sprintId && props.sprintName ? (props.sprintName(task.sprintId) ?? 'a sprint') : undefined;
  return (
    <li
      data-task-id={task.id}
      className={`card ${dragging === task.id ? 'card-dragging' : ''}`}
      aria-label={task.title}
      tabIndex={0}
      draggable={canEdit}
      onDragStart={(e) => {
        e.stopPropagation();
        e.dataTransfer.setData(DRAG_TASK, task.id);
        e.dataTransfer.effectAllowed = 'move';
        setDragging(task.id);
      }}
      onDragEnd={() => setDragging(undefined)}
      onKeyDown={(e) => props.onKey(e, task)}
      onDoubleClick={() => actions.openTask(task.id)}
    >
      <button type="button" className="card-title" onClick={() => actions.openTask(task.id)} tabIndex={-1}>
        {task.title}
      </button>
      {(task.labels.length > 0 || task.priority !== 'medium' || sprint) && (
        <div className="card-tags">
          {priority && task.priority !== 'medium' && (
            <span className={`prio prio-${task.priority}`} title={`Priority: ${priority.title}`}>
              <span className="sr-only">Priority: </span>
              {priority.title}
            </span>
          )}
          {sprint && (
            <span className="chip chip-sprint" title={`Sprint: ${sprint}`}>
              <span className="sr-only">Sprint: </span>
              {sprint}
            </span>
          )}
          {task.labels.map((l) => (
            <span key={l} className="chip" title={`Label: ${l}`}>
              {l}
            </span>
          ))}
        </div>
      )}
      {(task.dueAt || task.assigneeId) && (
        <div className="card-meta">
          {task.dueAt ? (
            <span className={`due ${overdue ? 'due-over' : ''}`} title="Due">
              {formatDate(task.dueAt)}
            </span>
          ) : (
            <span />
          )}
          {task.assigneeId && <Avatar id={task.assigneeId} name={assignee ?? task.assigneeId} />}
        </div>
      )}
      {typing.length > 0 && (
        <p className="typing" aria-live="polite">
          {typing.map((t) => t.user.name).join(', ')} {typing.length > 1 ? 'are' : 'is'} typing…
        </p>
      )}
    </li>
  );
}

/** Rename, WIP limit (owners), move left or right, delete (asking where its cards go). */
function ColumnSettings(props: ColumnProps & { count: number; onClose: () => void }) {
  const { column, columns, index, count, actions, isOwner } = props;
  const [name, setName] = useState(column.name);
  const [wip, setWip] = useState(column.wipLimit === null ? '' : String(column.wipLimit));
  const [deleting, setDeleting] = useState(false);
  const others = columns.filter((c) => c.id !== column.id);
  const [moveTo, setMoveTo] = useState(others[0]?.id ?? '');

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const patch: ColumnPatch = {};
    if (name.trim() && name.trim() !== column.name) patch.name = name.trim();
    const limit = wip.trim() === '' ? null : Number(wip);
    if (isOwner && limit !== column.wipLimit) patch.wipLimit = limit;
    if (Object.keys(patch).length === 0 || (await actions.updateColumn(column.id, patch))) props.onClose();
  };
  const remove = async () => {
    if (await actions.deleteColumn(column.id, count > 0 ? moveTo : undefined)) props.onClose();
  };

  return (
    <div className="column-settings">
      <form onSubmit={save} className="column-form">
        <label>
          Column name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        {isOwner ? (
          <label>
            WIP limit (empty: none)
            <input type="number" min={1} step={1} inputMode="numeric" value={wip} onChange={(e) => setWip(e.target.value)} />
          </label>
        ) : (
          <p className="hint">WIP limit: {column.wipLimit ?? 'none'} (set by owners)</p>
        )}
        <div className="actions">
          <button type="submit">Save</button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
      <div className="actions">
        <button type="button" disabled={index === 0} onClick={() => actions.moveColumn(column.id, index - 1)} aria-label={`Move column ${column.name} left`}>
          ← Move left
        </button>
        <button
          type="button"
          disabled={index === columns.length - 1}
          onClick={() => actions.moveColumn(column.id, index + 1)}
          aria-label={`Move column ${column.name} right`}
        >
          Move right →
        </button>
      </div>
      {deleting ? (
        <div className="actions delete-column">
          {count > 0 && (
            <label>
              Move its {count} {count === 1 ? 'card' : 'cards'} to
              <select value={moveTo} onChange={(e) => setMoveTo(e.target.value)}>
                {others.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" className="danger" onClick={() => void remove()}>
            Yes, delete “{column.name}”
          </button>
          <button type="button" onClick={() => setDeleting(false)}>
            No
          </button>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="danger" onClick={() => setDeleting(true)}>
            Delete column
          </button>
        </div>
      )}
    </div>
  );
}

function NewCard({ column, onCreate }: { column: Column; onCreate: BoardActions['createTask'] }) {
  const [title, setTitle] = useState('');
  return (
    <form
      className="new-card"
      onSubmit={async (e) => {
        e.preventDefault();
        if (title.trim() && (await onCreate(column.id, title.trim()))) setTitle('');
      }}
    >
      <input
        aria-label={`New task in ${column.name}`}
        placeholder="+ Add a task"
        value={title}
        maxLength={200}
        onChange={(e) => setTitle(e.target.value)}
      />
    </form>
  );
}

function AddColumn({ onAdd }: { onAdd: BoardActions['addColumn'] }) {
  const [name, setName] = useState('');
  const [category, setCategory] = useState<TaskStatus>('in_progress');
  return (
    <form
      className="add-column"
      aria-label="Add a column"
      onSubmit={async (e) => {
        e.preventDefault();
        if (name.trim() && (await onAdd(name.trim(), category))) setName('');
      }}
    >
      <label>
        New column
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Name" required maxLength={100} />
      </label>
      <label>
        Category
        <select value={category} onChange={(e) => setCategory(e.target.value as TaskStatus)}>
          {CATEGORIES.map((c) => (
            <option key={c.category} value={c.category}>
              {c.title}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={!name.trim()}>
        Add column
      </button>
    </form>
  );
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}
