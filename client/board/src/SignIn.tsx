/** Sign in by name (dev mode) or by pasting a token (any other server). */
import { useState, type FormEvent } from 'react';
import { devSignIn, pastedSession, type Session } from './session';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  // By name until the server says it has no dev token route (or the user has a token).
  const [dev, setDev] = useState(true);
  const [name, setName] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const byName = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await devSignIn(name);
      if (s) onSignedIn(s);
      else {
        setDev(false);
        setError('This server is not in dev mode: sign in with a token.');
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const byToken = (e: FormEvent) => {
    e.preventDefault();
    try {
      onSignedIn(pastedSession(token));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section className="signin">
      <h1>liveplan</h1>
      <p>Plans and boards, live in every browser.</p>
      {dev ? (
        <form onSubmit={byName}>
          <label>
            Your name
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus />
          </label>
          <button type="submit" disabled={busy || !name.trim()}>
            Sign in
          </button>
          <p className="hint">
            Dev mode: anyone can sign in as anyone; the same name is the same user.{' '}
            <button type="button" className="link" onClick={() => setDev(false)}>
              I have a token
            </button>
          </p>
        </form>
      ) : (
        <form onSubmit={byToken}>
          <label>
            Token
            <textarea value={token} onChange={(e) => setToken(e.target.value)} required rows={4} />
          </label>
          <button type="submit">Sign in</button>
          <p className="hint">
            Paste a JWT issued for this server (<code>liveplan token --user ID --name NAME</code>).{' '}
            <button type="button" className="link" onClick={() => setDev(true)}>
              Sign in by name
            </button>
          </p>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
