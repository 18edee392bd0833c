/**
 * The filter bar's state and what it shows: a filter hides cards on this page only (over
 * the loaded board); it never changes a task's place, so a move in a filtered view lands
 * at its real position (board-state.ts `landing`, `keyboardMove`).
 *
 * Each criterion is one field of {@link BoardFilter}, one clause of {@link matches} and
 * one control of the bar (FilterBar.tsx).
 */
import type { Priority, Task } from 'liveplan-client';

export interface BoardFilter {
  /** Words the title or the description contains (case-insensitive; all of them). */
  text: string;
  /** A label the task has; '' any. */
  label: string;
  /** '' any. */
  priority: Priority | '';
  /** A user id, {@link UNASSIGNED}, or '' anyone. */
  assignee: string;
  /** A sprint's id, {@link BACKLOG} (tasks of no sprint), or '' all. */
  sprint: string;
}

/** The sprint filter's value for the backlog, tasks of no sprint (not a valid sprint id). */
export const BACKLOG = '(backlog)';

/** The assignee filter's value for tasks nobody is assigned to (not a valid user id). */
export const UNASSIGNED = '(nobody)';

export const NO_FILTER: BoardFilter = { text: '', label: '', priority: '', assignee: '', sprint: '' };

export function isFiltering(f: BoardFilter): boolean {
  return f.text.trim() !== '' || f.label !== '' || f.priority !== '' || f.assignee !== '' || f.sprint !== '';
}

export function matches(task: Task, f: BoardFilter): boolean {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length) {
    const text = `${task.title}\n${task.description ?? ''}`.toLowerCase();
    if (!words.every((w) => text.includes(w))) return false;
  }
  if (f.label && !task.labels.includes(f.label)) return false;
  if (f.priority && task.priority !== f.priority) return false;
  if (f.assignee === UNASSIGNED ? task.assigneeId !== null : f.assignee && task.assigneeId !== f.assignee) return false;
  if (f.sprint === BACKLOG ? task.sprintId !== null : f.sprint && task.sprintId !== f.sprint) return false;
  return true;
}

/** Every label in use on the board, sorted. */
export function labelsOf(tasks: Task[]): string[] {
  return [...new Set(tasks.flatMap((t) => t.labels))].sort((a, b) => a.localeCompare(b));
}
