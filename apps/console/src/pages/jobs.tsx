import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from 'wouter';
import type { Job } from '@gridex/sdk';
import { useSession } from '../session';
import { useApi } from '../lib/use-api';
import { ProblemNotice } from '../components/problem-notice';
import { StatusBadge } from '../components/status-badge';

const ROW_HEIGHT = 36;

/** Every page of `GET /v1/jobs`, newest first. */
async function allJobs(list: (cursor?: string) => Promise<{ items: Job[]; nextCursor?: string | null }>) {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    jobs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return jobs;
}

/**
 * The tenant's jobs. Only the rows in view are in the page (a virtual list), so a tenant with thousands of jobs
 * gets a page as quick as one with ten.
 */
export function JobsPage() {
  const { client } = useSession();
  const jobs = useApi(
    () => allJobs((cursor) => client.jobs({ limit: 200, ...(cursor ? { cursor } : {}) })),
    [client],
  );
  const items = jobs.data ?? [];
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <p>
        <Link href="/jobs/new">New job</Link> · {jobs.data ? `${items.length} jobs` : 'loading …'}
      </p>
      <ProblemNotice error={jobs.error} />
      <div className="job-list-head" aria-hidden="true">
        <span>Job</span>
        <span>Status</span>
        <span>Price / GPU-hour</span>
        <span>Submitted</span>
      </div>
      <div ref={scroller} className="job-list" role="list" aria-label="Jobs" data-count={items.length}>
        <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
          {rows.getVirtualItems().map((row) => {
            const job = items[row.index];
            return (
              <div
                key={job.id}
                role="listitem"
                className="job-row"
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${row.start}px)`,
                }}
              >
                <Link href={`/jobs/${job.id}`}>{job.name ?? job.id}</Link>
                <StatusBadge status={job.status} />
                <span>{job.pricePerGpuHour ? `$${job.pricePerGpuHour}` : '—'}</span>
                <time dateTime={job.submittedAt}>{new Date(job.submittedAt).toLocaleString()}</time>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
