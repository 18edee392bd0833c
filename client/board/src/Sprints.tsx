/**
 * The plan's sprints: the active one in the page's head (name, goal, how many of its tasks
 * are done), and a panel listing them all. Editors create a sprint (name, optional goal
 * and dates), start a planned one (when none is active) and complete the active one,
 * choosing where its unfinished tasks go (a planned sprint or the backlog). Viewers see
 * the same, without the controls. The page makes the calls (`actions`): a refusal (409
 * `conflict`, e.g. another sprint started meanwhile) is said in the page's alert region.
 */
import { useState, type FormEvent } from 'react';
import type { Sprint, Task } from 'liveplan-client';
import { sprintProgress } from './board-state';
import { formatDate } from './Board';

export interface SprintActions {
  create: (name: string, goal: string | null, startsAt: string | null, endsAt: string | null) => Promise<boolean>;
  start: (sprintId: string) => Promise<boolean>;
  /** `carryOverTo`: another sprint's id, or null for the backlog. */
  complete: (sprintId: string, carryOverTo: string | null) => Promise<boolean>;
}

/** A sprint's name with its status, as the selects show it. */
export function sprintLabel(s: Sprint): string {
  return s.status === 'active' ? `${s.name} (active)` : s.status === 'completed' ? `${s.name} (completed)` : `${s.name} (planned)`;
}

/** The active sprint, in the page's head. */
export function ActiveSprint({ sprint, tasks }: { sprint: Sprint | undefined; tasks: Task[] }) {
  if (!sprint)
    return (
      <p className="sprint-now hint" aria-label="Active sprint">
        No active sprint
      </p>
    );
  const { done, total } = sprintProgress(tasks, sprint.id);
  return (
    <p className="sprint-now" aria-label="Active sprint">
      <span className="sprint-badge">Sprint</span> <strong>{sprint.name}</strong>
      {sprint.goal && <span className="sprint-goal"> — {sprint.goal}</span>}{' '}
      <span className="sprint-count">
        {done} of {total} done
      </span>
      {sprint.endsAt && <span className="hint"> · ends {formatDate(sprint.endsAt)}</span>}
    </p>
  );
}

export function Sprints(props: { sprints: Sprint[]; tasks: Task[]; canEdit: boolean; actions: SprintActions; onClose: () => void }) {
  const { sprints, canEdit, actions } = props;
  const active = sprints.find((s) => s.status === 'active');
  return (
    <aside className="sprints" aria-label="Sprints">
      <header>
        <h2>Sprints</h2>
        <button type="button" className="link" onClick={props.onClose} aria-label="Close sprints">
          ✕
        </button>
      </header>
      {sprints.length === 0 ? (
        <p className="hint">No sprints yet{canEdit ? ': create one below.' : '.'}</p>
      ) : (
        <ul className="sprint-list">
          {sprints.map((s) => (
            <SprintRow key={s.id} sprint={s} {...props} startable={!active} />
          ))}
        </ul>
      )}
      {canEdit && <NewSprint onCreate={actions.create} />}
    </aside>
  );
}

function SprintRow(props: { sprint: Sprint; sprints: Sprint[]; tasks: Task[]; canEdit: boolean; startable: boolean; actions: SprintActions }) {
  const { sprint, canEdit, actions } = props;
  const { done, total } = sprintProgress(props.tasks, sprint.id);
  const [completing, setCompleting] = useState(false);
  const targets = props.sprints.filter((s) => s.status === 'planned' && s.id !== sprint.id);
  const [carryTo, setCarryTo] = useState('');
  const dates = [sprint.startsAt, sprint.endsAt].some(Boolean)
    ? `${sprint.startsAt ? formatDate(sprint.startsAt) : '…'} – ${sprint.endsAt ? formatDate(sprint.endsAt) : '…'}`
    : undefined;
  return (
    <li className={`sprint sprint-${sprint.status}`} aria-label={sprint.name}>
      <div className="sprint-line">
        <strong className="sprint-name">{sprint.name}</strong>
        <span className={`sprint-status sprint-status-${sprint.status}`}>{sprint.status}</span>
        <span className="hint">
          {done} of {total} done{dates ? ` · ${dates}` : ''}
        </span>
      </div>
      {sprint.goal && <p className="sprint-goal-text">{sprint.goal}</p>}
      {canEdit && sprint.status === 'planned' && (
        <div className="actions">
          <button
            type="button"
            disabled={!props.startable}
            title={props.startable ? undefined : 'Complete the active sprint first'}
            aria-label={`Start sprint ${sprint.name}`}
            onClick={() => void actions.start(sprint.id)}
          >
            Start
          </button>
        </div>
      )}
      {canEdit && sprint.status === 'active' && (
        <div className="actions">
          {completing ? (
            <>
              <label>
                Move its unfinished tasks to
                <select value={carryTo} onChange={(e) => setCarryTo(e.target.value)}>
                  <option value="">The backlog</option>
                  {targets.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                className="danger"
                onClick={async () => {
                  if (await actions.complete(sprint.id, carryTo || null)) setCompleting(false);
                }}
              >
                Yes, complete “{sprint.name}”
              </button>
              <button type="button" onClick={() => setCompleting(false)}>
                No
              </button>
            </>
          ) : (
            <button type="button" aria-label={`Complete sprint ${sprint.name}`} onClick={() => setCompleting(true)}>
              Complete…
            </button>
          )}
        </div>
      )}
    </li>
  );
}

const day = (d: string) => (d ? `${d}T00:00:00Z` : null);

function NewSprint({ onCreate }: { onCreate: SprintActions['create'] }) {
  const [name, setName] = useState('');
  const [goal, setGoal] = useState('');
  const [starts, setStarts] = useState('');
  const [ends, setEnds] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    if (await onCreate(name.trim(), goal.trim() ? goal : null, day(starts), day(ends))) {
      setName('');
      setGoal('');
      setStarts('');
      setEnds('');
    }
  };
  return (
    <form className="new-sprint" aria-label="New sprint" onSubmit={submit}>
      <label className="new-sprint-name">
        Sprint name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label className="new-sprint-goal">
        Goal (optional)
        <input value={goal} onChange={(e) => setGoal(e.target.value)} maxLength={1000} />
      </label>
      <label>
        Starts
        <input type="date" value={starts} onChange={(e) => setStarts(e.target.value)} />
      </label>
      <label>
        Ends
        <input type="date" value={ends} onChange={(e) => setEnds(e.target.value)} />
      </label>
      <button type="submit" disabled={!name.trim()}>
        Create sprint
      </button>
    </form>
  );
}
