import { Controller, Get, HttpStatus, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ProblemException, validated } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { ServiceClient, streamLines } from '../internal/service-client';
import { ApiOperation, ApiTag } from '../openapi/api-operation';
import { streamEnds } from './job-events.controller';
import { JobStore } from './job.store';

export const JobLogsQuerySchema = z.strictObject({
  follow: z
    .enum(['true', 'false'])
    .optional()
    .describe('Keep the answer open and stream new lines until the job has ended'),
  tail: z.coerce.number().int().min(1).max(10_000).optional().describe('Only the last N lines'),
  since: z
    .string()
    .max(40)
    .regex(/^(\d{1,7}[smh]|\d{4}-\d{2}-\d{2}T.+)$/, 'must be a duration such as 15m, or an RFC 3339 time')
    .optional()
    .describe('Only lines from this long ago (90s, 15m, 2h) or this time on'),
  node: z.string().min(1).max(253).optional().describe("One gang member's lines (its node name)"),
  timestamps: z.enum(['true', 'false']).optional().describe("Start each line with the kubelet's timestamp"),
});
export const JobLogsSchema = z
  .string()
  .describe('The lines, one per line; a gang prefixes each with [node] unless `node` is given');

/** How often a followed job that is not running yet (or being failed over) is looked at again. */
const FOLLOW_POLL_MS = 1000;

interface LogItem {
  seq?: string;
  at: string;
  node: string;
  line: string;
}

interface LogPage {
  items: Array<LogItem & { seq: string }>;
  running: boolean;
}

/**
 * A job's container logs, as the orchestrator kept them (read through the API server while the job runs and
 * once more before its pods are deleted, kept for its retention): text, like `kubectl logs`. Followed, the kept
 * lines come first, then the running pods' output as they write it (the orchestrator's live stream), until the
 * job has ended. Another tenant's job answers 404 like every job route.
 */
@ApiTag('Jobs')
@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
@Roles('client')
export class JobLogsController {
  constructor(
    @Inject(JobStore) private readonly jobs: JobStore,
    @Inject(ServiceClient) private readonly services: ServiceClient,
  ) {}

  @ApiOperation({
    operationId: 'getJobLogs',
    summary: "A job's container logs as text (`follow=true` streams them until the job ends)",
    query: JobLogsQuerySchema,
    response: JobLogsSchema,
    text: true,
    errors: [404, 503, 504],
  })
  @Get(':jobId/logs')
  async logs(
    @Caller() caller: Principal,
    @Param('jobId') jobId: string,
    @Query() raw: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const query = validated(JobLogsQuerySchema, raw, 'REQUEST.INVALID', 'the log query is invalid');
    const job = await this.jobs.findOwn(caller.tenantId, jobId);
    if (!job) throw new ProblemException(HttpStatus.NOT_FOUND, 'JOB.NOT_FOUND', 'no such job');
    const gang = new Set((job.allocation ?? []).map((member) => member.node)).size > 1;
    const read = (after?: string, since = query.since) =>
      this.services.json<LogPage>('orchestrator', `/v1/jobs/${encodeURIComponent(jobId)}/logs`, {
        query: {
          tenantId: caller.tenantId,
          ...(after === undefined && since === query.since && query.tail !== undefined
            ? { tail: String(query.tail) }
            : {}),
          ...(after === undefined ? {} : { after }),
          ...(since === undefined ? {} : { since }),
          ...(query.node === undefined ? {} : { node: query.node }),
        },
      });
    const format = (item: LogItem) =>
      `${query.timestamps === 'true' ? `${item.at} ` : ''}${gang && !query.node ? `[${item.node}] ` : ''}${item.line}\n`;
    // Lines come from the kept log and, while the job runs, from its pods live; the newest stamp printed per
    // node decides what is new, so what both give is printed once.
    const newest = new Map<string, string>();
    const print = (items: readonly LogItem[]) => {
      const fresh = items.filter((item) => item.at > (newest.get(item.node) ?? ''));
      for (const item of fresh) newest.set(item.node, item.at);
      if (fresh.length > 0) response.write(fresh.map(format).join(''));
    };

    let page = await read();
    response.status(200).type('text/plain; charset=utf-8');
    if (query.follow !== 'true') {
      print(page.items);
      // A full page means more are kept: read on.
      while (page.items.length >= 10_000) {
        page = await read(page.items[page.items.length - 1].seq);
        print(page.items);
      }
      response.end();
      return;
    }
    response.setHeader('cache-control', 'no-cache');
    response.setHeader('x-accel-buffering', 'no');
    response.flushHeaders();
    const closed = new AbortController();
    request.on('close', () => closed.abort());
    print(page.items);
    for (;;) {
      let streamed = 0;
      if (page.running) {
        // As the pods write it, until they end (the orchestrator follows each pod once for every follower).
        for await (const text of streamLines(
          this.services,
          'orchestrator',
          `/v1/jobs/${encodeURIComponent(jobId)}/logs/live`,
          { tenantId: caller.tenantId, node: query.node },
          closed.signal,
        )) {
          print([JSON.parse(text) as LogItem]);
          streamed += 1;
        }
      }
      // Not running yet (or between a failover's pods): look again in a moment.
      if (streamed === 0) await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
      if (closed.signal.aborted) break;
      // What was kept meanwhile: a pod's last lines (read once more as it ended), a failover's new pods.
      page = await read(undefined, [...newest.values()].sort()[0]);
      print(page.items);
      const current = await this.jobs.findOwn(caller.tenantId, jobId);
      if (!page.running && (!current || streamEnds(current.status, current.reason))) break;
    }
    response.end();
  }
}
