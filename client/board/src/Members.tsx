/** The plan's members; the owner adds people (by name or id) and changes their roles. */
import { useState, type FormEvent } from 'react';
import type { LivePlanClient, Member, Role } from 'liveplan-client';
import { userIdFor } from './session';

const ROLES: Role[] = ['viewer', 'editor', 'owner'];

export function Members(props: {
  planId: string;
  members: Member[];
  isOwner: boolean;
  client: LivePlanClient;
  onChanged: (m: Member) => void;
  onClose: () => void;
}) {
  const [who, setWho] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [error, setError] = useState<string>();
  const set = async (userId: string, r: Role, name?: string) => {
    setError(undefined);
    try {
      props.onChanged(await props.client.api.setMember(props.planId, userId, { role: r, ...(name ? { name } : {}) }));
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const text = who.trim();
    // An id as typed (it has no spaces and a known shape), else the id the sign-in page gives that name.
    const isId = /^[A-Za-z0-9._:@-]+$/.test(text) && (text.startsWith('u-') || text.includes('@') || text.includes(':'));
    if (await set(isId ? text : userIdFor(text), role, isId ? undefined : text)) setWho('');
  };
  return (
    <aside className="members" aria-label="Members">
      <header>
        <h2>Members</h2>
        <button type="button" className="link" onClick={props.onClose} aria-label="Close members">
          ✕
        </button>
      </header>
      <ul>
        {props.members.map((m) => (
          <li key={m.userId}>
            <span title={m.userId}>{m.name}</span>
            {props.isOwner ? (
              <select aria-label={`Role of ${m.name}`} value={m.role} onChange={(e) => void set(m.userId, e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            ) : (
              <span className="role">{m.role}</span>
            )}
          </li>
        ))}
      </ul>
      {props.isOwner && (
        <form onSubmit={add} className="inline-form">
          <label>
            Add someone (name or user id)
            <input value={who} onChange={(e) => setWho(e.target.value)} required maxLength={128} />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <button type="submit">Add</button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </aside>
  );
}
