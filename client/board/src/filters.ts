/**
 * The filter bar's state and what it shows: a filter hides cards on this page only (over
 * the loaded board); it never changes a task's place, so a move in a filtered view lands
 * at its real position (board-state.ts `landing`, `keyboardMove`).
 *
 * Each criterion is one field of {@link BoardFilter}, one clause of {@link matches} and
 * one control of the bar (FilterBar.tsx). A sprint criterion ("all", "backlog", or a
 * sprint's id, over `task.sprintId`) is meant to be added the same way once plans have
 * sprints.
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
}

/** The assignee filter's value for tasks nobody is assigned to (not a valid user id). */
export const UNASSIGNED = '(nobody)';

export const NO_FILTER: BoardFilter = { text: '', label: '', priority: '', assignee: '' };

export function isFiltering(f: BoardFilter): boolean {
  return f.text.trim() !== '' || f.label !== '' || f.priority !== '' || f.assignee !== '';
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
  return true;
}

/** Every label in use on the board, sorted. */
export function labelsOf(tasks: Task[]): string[] {
  return [...new Set(tasks.flatMap((t) => t.labels))].sort((a, b) => a.localeCompare(b));
}
