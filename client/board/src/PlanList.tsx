/** The plans I am a member of, and a form to create one. */
import { useEffect, useState, type FormEvent } from 'react';
import type { LivePlanClient, Plan } from 'liveplan-client';

export function PlanList({ client }: { client: LivePlanClient }) {
  const [plans, setPlans] = useState<Plan[]>();
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    client.api
      .listPlans({ signal: abort.signal })
      .then(setPlans)
      .catch((e: Error) => e.name !== 'AbortError' && setError(e.message));
    return () => abort.abort();
  }, [client]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const plan = await client.api.createPlan({ title: title.trim() });
      location.hash = `#/plans/${encodeURIComponent(plan.id)}`;
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section className="plans">
      <h1>Plans</h1>
      <form onSubmit={create} className="inline-form">
        <label>
          New plan
          <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Title" required maxLength={200} />
        </label>
        <button type="submit" disabled={!title.trim()}>
          Create plan
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {plans === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : plans.length === 0 ? (
        <p>No plans yet. Create one, or ask a plan’s owner to add you (your id is at the top).</p>
      ) : (
        <ul className="plan-list">
          {plans.map((p) => (
            <li key={p.id}>
              <a href={`#/plans/${encodeURIComponent(p.id)}`}>{p.title}</a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
