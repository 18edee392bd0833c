/** Who is here: one avatar per user, online or away. */
import type { Participant } from 'liveplan-client';

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!].map((w) => [...w][0]) : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

/** A stable hue per user id. */
export function hueOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

export function Avatar({ id, name, status }: { id: string; name: string; status?: 'online' | 'away' }) {
  return (
    <span
      className={`avatar ${status ? `avatar-${status}` : ''}`}
      style={{ background: `hsl(${hueOf(id)} 55% 42%)` }}
      title={status ? `${name} (${status})` : name}
    >
      {initials(name)}
    </span>
  );
}

export function PresenceBar({ participants }: { participants: Participant[] }) {
  return (
    <ul className="presence" aria-label="Who is here">
      {participants.map((p) => (
        <li key={p.userId} aria-label={`${p.name}, ${p.status}`}>
          <Avatar id={p.userId} name={p.name} status={p.status} />
        </li>
      ))}
    </ul>
  );
}
