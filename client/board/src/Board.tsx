/**
 * The columns and their cards. Cards move by drag and drop (mouse) or from the keyboard
 * (Alt + arrow keys on a focused card); the page makes the REST calls (`onMove`).
 */
import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { Task, TaskStatus } from 'liveplan-client';
import type { TypingEntry } from 'liveplan-client/react';
import { COLUMNS, columnTasks } from './board-state';
import { Avatar } from './PresenceBar';

export interface BoardProps {
  tasks: Task[];
  canEdit: boolean;
  /** Who is typing (others only), by task id. */
  typing: Map<string, TypingEntry[]>;
  nameOf: (userId: string | null) => string | undefined;
  onMove: (taskId: string, to: TaskStatus, index: number) => void;
  onOpen: (taskId: string) => void;
  onCreate: (status: TaskStatus, title: string) => Promise<boolean>;
}

const DRAG_TYPE = 'application/x-liveplan-task';

export function Board(props: BoardProps) {
  const [dragging, setDragging] = useState<string>();
  return (
    <div className="board">
      {COLUMNS.map((c, i) => (
        <Column key={c.status} {...props} status={c.status} title={c.title} columnIndex={i} dragging={dragging} setDragging={setDragging} />
      ))}
    </div>
  );
}

interface ColumnProps extends BoardProps {
  status: TaskStatus;
  title: string;
  columnIndex: number;
  dragging: string | undefined;
  setDragging: (id: string | undefined) => void;
}

function Column(props: ColumnProps) {
  const { tasks, status, title, canEdit, dragging, setDragging, onMove } = props;
  const cards = columnTasks(tasks, status);
  const list = useRef<HTMLOListElement>(null);
  const [over, setOver] = useState(false);

  /** Where a drop at `y` lands among this column's cards (the dragged one left out). */
  const dropIndex = (y: number) => {
    const items = [...(list.current?.querySelectorAll<HTMLElement>('[data-task-id]') ?? [])].filter(
      (el) => el.dataset.taskId !== dragging,
    );
    const at = items.findIndex((el) => {
      const r = el.getBoundingClientRect();
      return y < r.top + r.height / 2;
    });
    return at === -1 ? items.length : at;
  };
  const onDragOver = (e: DragEvent) => {
    if (!canEdit || !e.dataTransfer.types.includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    setOver(true);
  };
  const onDrop = (e: DragEvent) => {
    setOver(false);
    if (!canEdit) return;
    const id = e.dataTransfer.getData(DRAG_TYPE);
    if (!id) return;
    e.preventDefault();
    onMove(id, status, dropIndex(e.clientY));
    setDragging(undefined);
  };

  const onKey = (e: KeyboardEvent, task: Task, index: number) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      props.onOpen(task.id);
      return;
    }
    if (!e.altKey || !canEdit) return;
    const at = props.columnIndex;
    const move: Record<string, [number, number] | undefined> = {
      ArrowLeft: at > 0 ? [at - 1, Number.MAX_SAFE_INTEGER] : undefined,
      ArrowRight: at < COLUMNS.length - 1 ? [at + 1, Number.MAX_SAFE_INTEGER] : undefined,
      ArrowUp: index > 0 ? [at, index - 1] : undefined,
      ArrowDown: index < cards.length - 1 ? [at, index + 1] : undefined,
    };
    if (!(e.key in move)) return;
    e.preventDefault();
    const target = move[e.key];
    if (!target) return;
    onMove(task.id, COLUMNS[target[0]]!.status, target[1]);
    // The card is drawn again in its new place: keep the keyboard on it.
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-task-id="${CSS.escape(task.id)}"]`)?.focus());
  };

  return (
    <section
      className={`column ${over ? 'column-over' : ''}`}
      aria-label={title}
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <h2>
        {title} <span className="count">{cards.length}</span>
      </h2>
      <ol ref={list} className="cards" aria-label={`${title} cards`}>
        {cards.map((task, index) => {
          const typing = props.typing.get(task.id) ?? [];
          const assignee = props.nameOf(task.assigneeId);
          const overdue = task.dueAt !== null && task.status !== 'done' && Date.parse(task.dueAt) < Date.now();
          return (
            <li
              key={task.id}
              data-task-id={task.id}
              className={`card ${dragging === task.id ? 'card-dragging' : ''}`}
              aria-label={task.title}
              tabIndex={0}
              draggable={canEdit}
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, task.id);
                e.dataTransfer.effectAllowed = 'move';
                setDragging(task.id);
              }}
              onDragEnd={() => setDragging(undefined)}
              onKeyDown={(e) => onKey(e, task, index)}
              onDoubleClick={() => props.onOpen(task.id)}
            >
              <button type="button" className="card-title" onClick={() => props.onOpen(task.id)} tabIndex={-1}>
                {task.title}
              </button>
              <div className="card-meta">
                {task.dueAt && (
                  <span className={`due ${overdue ? 'due-over' : ''}`} title="Due">
                    {formatDate(task.dueAt)}
                  </span>
                )}
                {task.assigneeId && <Avatar id={task.assigneeId} name={assignee ?? task.assigneeId} />}
              </div>
              {typing.length > 0 && (
                <p className="typing" aria-live="polite">
                  {typing.map((t) => t.user.name).join(', ')} {typing.length > 1 ? 'are' : 'is'} typing…
                </p>
              )}
            </li>
          );
        })}
      </ol>
      {canEdit && <NewCard status={status} onCreate={props.onCreate} columnTitle={title} />}
    </section>
  );
}

function NewCard({ status, columnTitle, onCreate }: { status: TaskStatus; columnTitle: string; onCreate: BoardProps['onCreate'] }) {
  const [title, setTitle] = useState('');
  return (
    <form
      className="new-card"
      onSubmit={async (e) => {
        e.preventDefault();
        if (title.trim() && (await onCreate(status, title.trim()))) setTitle('');
      }}
    >
      <input
        aria-label={`New task in ${columnTitle}`}
        placeholder="+ Add a task"
        value={title}
        maxLength={200}
        onChange={(e) => setTitle(e.target.value)}
      />
    </form>
  );
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}
