import { useState } from 'react';
import { GridexApiError, Job } from '@gridex/sdk';
import { useSession } from '../session';
import { useApi } from '../lib/use-api';
import { ProblemNotice } from '../components/problem-notice';
import { StatusBadge } from '../components/status-badge';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
const isFinal = (job: Job) => FINAL.has(job.status);

/**
 * One job as it happens: its status polled every second until it ends, the timeline, where it runs, what it has
 * cost, and its logs. Another tenant's job is a 404 from the API, shown as such.
 */
export function JobPage({ jobId }: { jobId: string }) {
  const { client } = useSession();
  const job = useApi(() => client.job(jobId), [client, jobId], { pollMs: 1000, stop: isFinal });
  const usage = useApi(() => client.usage({ jobId }), [client, jobId, job.data?.status]);
  const running = job.data?.status === 'running' || (job.data && isFinal(job.data));
  const logs = useApi(
    () => (running ? client.jobLogs(jobId, { tail: 200 }) : Promise.resolve('')),
    [client, jobId, job.data?.status],
  );
  const [cancelError, setCancelError] = useState<unknown>();

  if (job.error instanceof GridexApiError && job.error.problem.status === 404) {
    return (
      <section aria-labelledby="job-title">
        <h1 id="job-title">Job not found</h1>
        <ProblemNotice error={job.error} />
      </section>
    );
  }
  const data = job.data;
  const spent = (usage.data?.items ?? []).reduce(
    (sum, line) => ({ gpuSeconds: sum.gpuSeconds + line.gpuSeconds, amounts: [...sum.amounts, line.amount] }),
    { gpuSeconds: 0, amounts: [] as string[] },
  );

  return (
    <section aria-labelledby="job-title">
      <h1 id="job-title">{data?.name ?? jobId}</h1>
      <ProblemNotice error={job.error} />
      {data ? (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd data-testid="job-status">
              <StatusBadge status={data.status} /> {data.reason ? <span>({data.reason})</span> : null}
            </dd>
            <dt>Price per GPU-hour</dt>
            <dd>{data.pricePerGpuHour ? `$${data.pricePerGpuHour}` : '—'}</dd>
            <dt>Started</dt>
            <dd>{data.startedAt ? new Date(data.startedAt).toLocaleString() : '—'}</dd>
            <dt>Finished</dt>
            <dd>{data.finishedAt ? new Date(data.finishedAt).toLocaleString() : '—'}</dd>
            <dt>Cost so far</dt>
            <dd data-testid="job-cost">
              {spent.amounts.length > 0
                ? `$${spent.amounts.join(' + $')} (${spent.gpuSeconds} GPU-seconds)`
                : 'nothing metered yet'}
            </dd>
          </dl>
          {!isFinal(data) ? (
            <button
              type="button"
              onClick={() => {
                setCancelError(undefined);
                client.cancelJob(jobId).then(job.reload, setCancelError);
              }}
            >
              Cancel job
            </button>
          ) : null}
          <ProblemNotice error={cancelError} />
          <h2>Where it runs</h2>
          {data.allocation ? (
            <ul>
              {data.allocation.nodes.map((node) => (
                <li key={`${node.cluster}/${node.node}`}>
                  {node.network ? `${node.network}: ` : ''}
                  {node.cluster}/{node.node} · {node.gpus} GPUs
                </li>
              ))}
            </ul>
          ) : (
            <p>Not placed yet.</p>
          )}
          {data.explanation ? <p className="explanation">{summarise(data.explanation)}</p> : null}
          <h2>Timeline</h2>
          <ol className="timeline" aria-label="Timeline">
            {data.timeline.map((entry, i) => (
              <li key={i}>
                <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time>{' '}
                <strong>{entry.event}</strong> {entry.detail}
              </li>
            ))}
          </ol>
          <h2>Logs</h2>
          <ProblemNotice error={logs.error} />
          <pre className="logs" aria-label="Logs" tabIndex={0}>
            {logs.data || (running ? 'no output yet' : 'the job has not started')}
          </pre>
        </>
      ) : (
        <p>Loading …</p>
      )}
    </section>
  );
}

/** Why matching chose where the job runs: the node, its supplier and its score. */
function summarise(explanation: NonNullable<Job['explanation']>): string {
  const { chosen } = explanation;
  if (!chosen) return '';
  const s = chosen.score;
  return (
    `Chosen: ${chosen.network ? `${chosen.network}: ` : ''}${chosen.node} of ${chosen.supplier} at ` +
    `$${chosen.pricePerGpuHour}/GPU-hour, score ${s.total.toFixed(3)} (price ${s.price.toFixed(2)}, ` +
    `reliability ${s.reliability.toFixed(2)}, performance per dollar ${s.perfPerDollar.toFixed(2)}, ` +
    `packing ${s.packing.toFixed(2)})`
  );
}
