/** The connection's state in words, with "reconnecting in N s" while waiting. */
import { useEffect, useState } from 'react';
import type { HookStatus } from 'liveplan-client/react';

const WORDS: Record<HookStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: waiting for the network',
  unauthorized: 'Signed out: the server refused the token',
  closed: 'Closed',
  disabled: 'Not connected',
};

export function ConnectionState({ status, joined, retryAt }: { status: HookStatus; joined: boolean; retryAt: number | undefined }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (retryAt === undefined) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [retryAt]);
  let text = WORDS[status];
  if (status === 'connected' && !joined) text = 'Joining…';
  if (status === 'reconnecting' && retryAt !== undefined && retryAt > now)
    text = `Reconnecting in ${Math.ceil((retryAt - now) / 1000)} s`;
  const tone = status === 'connected' && joined ? 'ok' : status === 'unauthorized' ? 'bad' : 'wait';
  return (
    <span className={`conn conn-${tone}`} role="status" aria-label="Connection">
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
