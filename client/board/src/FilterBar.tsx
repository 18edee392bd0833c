/**
 * Above the board: search, label, priority, assignee, sprint, "Clear filters". Only hides
 * cards on this page (filters.ts); one control per criterion.
 *
 * The sprint select starts at "All sprints" (the whole board, as before sprints); the
 * active sprint comes first after "Backlog", so it is one step away.
 */
import type { Member, Priority, Sprint } from 'liveplan-client';
import { PRIORITIES } from './board-state';
import { BACKLOG, isFiltering, NO_FILTER, UNASSIGNED, type BoardFilter } from './filters';
import { sprintLabel } from './Sprints';

/** The active sprint first, then the planned ones, then the completed ones (each in creation order). */
const RANK: Record<Sprint['status'], number> = { active: 0, planned: 1, completed: 2 };

export function FilterBar(props: {
  filter: BoardFilter;
  onChange: (f: BoardFilter) => void;
  labels: string[];
  members: Member[];
  sprints: Sprint[];
  shown: number;
  total: number;
}) {
  const { filter, onChange } = props;
  const set = <K extends keyof BoardFilter>(key: K, value: BoardFilter[K]) => onChange({ ...filter, [key]: value });
  const on = isFiltering(filter);
  return (
    <div className="filter-bar" role="search" aria-label="Filter cards">
      <label className="filter-text">
        Search
        <input
          type="search"
          value={filter.text}
          placeholder="Title or description"
          onChange={(e) => set('text', e.target.value)}
        />
      </label>
      <label>
        Label
        <select value={filter.label} onChange={(e) => set('label', e.target.value)}>
          <option value="">Any label</option>
          {/* A chosen label nobody has any more stays choosable, so the select shows it. */}
          {[...new Set([...props.labels, ...(filter.label ? [filter.label] : [])])].map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label>
        Priority
        <select value={filter.priority} onChange={(e) => set('priority', e.target.value as Priority | '')}>
          <option value="">Any priority</option>
          {PRIORITIES.map((p) => (
            <option key={p.priority} value={p.priority}>
              {p.title}
            </option>
          ))}
        </select>
      </label>
      <label>
        Assignee
        <select value={filter.assignee} onChange={(e) => set('assignee', e.target.value)}>
          <option value="">Anyone</option>
          <option value={UNASSIGNED}>Nobody</option>
          {props.members.map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Sprint
        <select value={filter.sprint} onChange={(e) => set('sprint', e.target.value)}>
          <option value="">All sprints</option>
          <option value={BACKLOG}>Backlog (no sprint)</option>
          {[...props.sprints]
            .sort((a, b) => RANK[a.status] - RANK[b.status])
            .map((s) => (
              <option key={s.id} value={s.id}>
                {sprintLabel(s)}
              </option>
            ))}
        </select>
      </label>
      <button type="button" onClick={() => onChange(NO_FILTER)} disabled={!on}>
        Clear filters
      </button>
      {on && (
        <p className="hint filter-count" role="status">
          Showing {props.shown} of {props.total} cards
        </p>
      )}
    </div>
  );
}
