import { FormEvent, useState } from 'react';
import { GridexApiError } from '@gridex/sdk';
import { useSession } from '../session';
import { useApi } from '../lib/use-api';
import { ProblemNotice } from '../components/problem-notice';

/** The fleet by region and GPU model, dead letters with replay, and tenants' keys. */
export function OperatorPage() {
  const { client } = useSession();
  const fleet = useApi(() => client.fleet(), [client]);
  const deadLetters = useApi(() => client.deadLetters(), [client]);
  const [topic, setTopic] = useState<string>();

  const regions = [...new Set((fleet.data?.groups ?? []).map((g) => g.region))].sort();
  const products = [...new Set((fleet.data?.groups ?? []).map((g) => g.gpuProduct))].sort();
  const group = (region: string, product: string) =>
    fleet.data?.groups.find((g) => g.region === region && g.gpuProduct === product);

  return (
    <section aria-labelledby="operator-title">
      <h1 id="operator-title">Operations</h1>
      <h2>Fleet</h2>
      <ProblemNotice error={fleet.error} />
      {fleet.data ? (
        <>
          <p>
            {fleet.data.totals.readyNodes} of {fleet.data.totals.nodes} nodes ready,{' '}
            {fleet.data.totals.freeGpus} of {fleet.data.totals.gpus} GPUs free,{' '}
            {fleet.data.totals.verifiedNodes} verified.
          </p>
          <table aria-label="Fleet by region and GPU model" className="grid">
            <thead>
              <tr>
                <th scope="col">Region</th>
                {products.map((product) => (
                  <th scope="col" key={product}>
                    {product}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {regions.map((region) => (
                <tr key={region}>
                  <th scope="row">{region}</th>
                  {products.map((product) => {
                    const g = group(region, product);
                    return (
                      <td key={product} className={g ? (g.freeGpus > 0 ? 'free' : 'full') : 'none'}>
                        {g ? `${g.readyNodes}/${g.nodes} nodes · ${g.freeGpus}/${g.gpus} GPUs free` : '—'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <h2>Dead letters</h2>
      <ProblemNotice error={deadLetters.error} />
      {deadLetters.data && deadLetters.data.items.length === 0 ? <p>No dead letters.</p> : null}
      <ul>
        {(deadLetters.data?.items ?? []).map((item) => (
          <li key={item.topic}>
            <button type="button" onClick={() => setTopic(item.topic)} aria-pressed={topic === item.topic}>
              {item.topic}: {item.messages}
            </button>
          </li>
        ))}
      </ul>
      {topic ? <DeadLetterList topic={topic} onReplayed={deadLetters.reload} /> : null}
      <TenantKeys />
    </section>
  );
}

function DeadLetterList({ topic, onReplayed }: { topic: string; onReplayed: () => void }) {
  const { client } = useSession();
  const letters = useApi(async () => {
    const { data, error } = await client.raw.GET('/v1/dlq/{topic}', {
      params: { path: { topic }, query: { limit: 50 } },
    });
    if (error) throw new GridexApiError(error);
    return data;
  }, [client, topic]);
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<unknown>();
  const replay = async (offsets: string[]) => {
    setError(undefined);
    const { data, error: problem } = await client.raw.POST('/v1/dlq/{topic}/replay', {
      params: { path: { topic } },
      body: { offsets },
    });
    if (problem) setError(new GridexApiError(problem));
    else {
      setResult(`replayed ${data?.replayed ?? 0}`);
      onReplayed();
      letters.reload();
    }
  };
  return (
    <div>
      <h3>{topic}</h3>
      <ProblemNotice error={letters.error ?? error} />
      {result ? <p role="status">{result}</p> : null}
      <table aria-label={`Dead letters of ${topic}`}>
        <thead>
          <tr>
            <th scope="col">Offset</th>
            <th scope="col">Code</th>
            <th scope="col">Reason</th>
            <th scope="col">Failed</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(letters.data?.items ?? []).map((letter) => (
            <tr key={letter.offset}>
              <td>{letter.offset}</td>
              <td>
                <code>{letter.code}</code>
              </td>
              <td>{letter.reason}</td>
              <td>{letter.failedAt ? new Date(letter.failedAt).toLocaleString() : '—'}</td>
              <td>
                <button type="button" onClick={() => void replay([letter.offset])}>
                  Replay
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A tenant, looked up by id, and a new API key for it (shown once). */
function TenantKeys() {
  const { client } = useSession();
  const [tenantId, setTenantId] = useState('');
  const [role, setRole] = useState('client');
  const [error, setError] = useState<unknown>();
  const [shown, setShown] = useState<string>();
  const tenant = useApi(
    () => (tenantId.length === 36 ? client.tenant(tenantId) : Promise.resolve(undefined)),
    [client, tenantId],
  );
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const key = await client.createApiKey(tenantId, role as never);
      setShown(`${key.keyId}: ${key.key} (shown once)`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <h2>Tenants and keys</h2>
      <form onSubmit={create} aria-label="New API key" className="inline-form">
        <label htmlFor="tenant-id">Tenant id</label>
        <input id="tenant-id" value={tenantId} onChange={(e) => setTenantId(e.target.value.trim())} />
        <label htmlFor="key-role">Role</label>
        <select id="key-role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="client">client</option>
          <option value="supplier">supplier</option>
          <option value="finance">finance</option>
        </select>
        <button type="submit">Create key</button>
      </form>
      {tenant.data ? (
        <p>
          {tenant.data.name} ({tenant.data.kind}, {tenant.data.status})
        </p>
      ) : null}
      <ProblemNotice error={tenant.error ?? error} />
      {shown ? <p role="status">{shown}</p> : null}
    </>
  );
}
