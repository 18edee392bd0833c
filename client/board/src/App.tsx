/**
 * The board page: sign in, then the plan list (`#/`) or one plan's board (`#/plans/{id}`).
 * One LivePlanClient for the page, shared with every hook through LivePlanProvider.
 */
import { useEffect, useState } from 'react';
import { LivePlanClient, type PersonalNotice } from 'liveplan-client';
import { LivePlanProvider } from 'liveplan-client/react';
import { BoardPage } from './BoardPage';
import { PlanList } from './PlanList';
import { devSignIn, loadSession, saveSession, type Session } from './session';
import { SignIn } from './SignIn';
import { Toasts, useToast } from './toasts';

function planIdFromHash(): string | undefined {
  const m = /^#\/plans\/([^/]+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const signIn = (s: Session | undefined) => {
    saveSession(s);
    setSession(s);
  };
  return (
    <Toasts>
      {session ? <SignedIn key={session.user.id} session={session} onSignOut={() => signIn(undefined)} /> : <SignIn onSignedIn={signIn} />}
    </Toasts>
  );
}

function SignedIn({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const toast = useToast();
  const [planId, setPlanId] = useState(planIdFromHash);
  useEffect(() => {
    const onHash = () => setPlanId(planIdFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  // Made in an effect (not during render), so that StrictMode's double mount closes the
  // first one instead of leaking a connected client.
  const [client, setClient] = useState<LivePlanClient>();
  useEffect(() => {
    const c = new LivePlanClient({
      url: location.origin,
      token: session.token,
      // A dev session mints its next token itself; a pasted one cannot be renewed.
      ...(session.dev
        ? {
            getToken: async () => {
              const fresh = await devSignIn(session.user.name);
              if (!fresh) throw new Error('the server no longer hands out dev tokens');
              saveSession({ ...fresh, user: session.user });
              return fresh.token;
            },
          }
        : {}),
    });
    setClient(c);
    return () => c.close();
  }, [session]);

  // Away while the page is hidden.
  useEffect(() => {
    if (!client) return;
    const onVisibility = () => client.setPresence(document.visibilityState === 'hidden' ? 'away' : 'online');
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [client]);

  useEffect(
    () =>
      client?.on('notification', (n: PersonalNotice) => {
        if (n.type === 'task-assigned') toast(`${n.actor.name} assigned you “${n.task.title}”`);
        else if (n.type === 'due-date-reminder') toast(`“${n.task.title}” is due soon`);
        else if (n.type === 'removed-from-plan') toast('You were removed from a plan', 'error');
      }),
    [client, toast],
  );
  if (!client) return null;

  return (
    <LivePlanProvider client={client}>
      <header className="topbar">
        <a href="#/" className="brand">
          liveplan
        </a>
        <span className="me" title={`user id ${session.user.id}`}>
          {session.user.name} <small>({session.user.id})</small>
        </span>
        <button type="button" className="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {planId ? (
          <BoardPage key={planId} planId={planId} me={session.user} client={client} />
        ) : (
          <PlanList client={client} />
        )}
      </main>
    </LivePlanProvider>
  );
}
