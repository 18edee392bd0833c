/**
 * Who is signed in: a token and the user it names, kept in localStorage. In dev mode the
 * page signs in by name (`POST /api/dev/token`) and can mint a fresh token whenever the
 * client asks; otherwise the user pastes a token issued by the app's identity provider.
 */
import { LivePlanApi, LivePlanError, tokenExpiry, type UserRef } from 'liveplan-client';

export interface Session {
  token: string;
  user: UserRef;
  /** Signed in by name through the dev token route (which can mint the next token). */
  dev: boolean;
}

const KEY = 'liveplan.session';

export function loadSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : undefined;
    if (!s || typeof s.token !== 'string' || !s.user?.id) return undefined;
    const exp = tokenExpiry(s.token);
    // A pasted token that has expired is of no use; a dev session mints a new one.
    if (!s.dev && exp !== undefined && exp * 1000 <= Date.now()) return undefined;
    return s;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

/** A user id from a name, so that signing in as "Ann" twice is the same user: `u-ann`. */
export function userIdFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  if (slug) return `u-${slug}`;
  // A name with no Latin letters or digits: a stable hash of it (FNV-1a).
  let h = 0x811c9dc5;
  for (const ch of name.trim()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `u-${h.toString(16).padStart(8, '0')}`;
}

/** Signs in by name through the dev token route; `undefined` when the server is not in dev mode. */
export async function devSignIn(name: string): Promise<Session | undefined> {
  const api = new LivePlanApi({ url: location.origin });
  try {
    const { token, user } = await api.devToken({ userId: userIdFor(name), name: name.trim() });
    return { token, user, dev: true };
  } catch (e) {
    if (e instanceof LivePlanError && e.status === 404) return undefined;
    throw e;
  }
}

/** A session from a pasted token: the user is read from its payload (the server checks it). */
export function pastedSession(token: string): Session {
  const t = token.trim();
  const part = t.split('.')[1];
  if (!part) throw new Error('That is not a JWT (three parts separated by dots).');
  let claims: { sub?: unknown; name?: unknown };
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    claims = JSON.parse(json) as typeof claims;
  } catch {
    throw new Error('The token’s payload is not readable JSON.');
  }
  if (typeof claims.sub !== 'string' || !claims.sub) throw new Error('The token has no `sub`.');
  return { token: t, user: { id: claims.sub, name: typeof claims.name === 'string' ? claims.name : claims.sub }, dev: false };
}
