import { Controller, Get, Headers, HttpStatus, Inject, Param, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ProblemException } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { JOB_STATUSES, JobStatus, TimelineEntry } from '../domain/job-status';
import { ApiOperation, ApiTag } from '../openapi/api-operation';
import { JobNotifications } from './job-notifications';
import { JobRow, JobStore } from './job.store';

export const JobEventSchema = z.object({
  index: z.number().int().describe("The entry's place in the job's timeline (also the event's id)"),
  at: z.string(),
  event: z.string().describe('submitted, matched, unmatched, running, succeeded, failed, cancelled, …'),
  detail: z.string().optional(),
  status: z.enum(JOB_STATUSES).describe("The job's status when this was sent"),
});

/** How long a stream stays open after a node-lost failure, for matching's failover to place the job again. */
export const FAILOVER_WAIT_MS = 60_000;

/** Whether nothing more will happen to a job in this status (a node-lost failure may still be failed over). */
export function streamEnds(status: JobStatus, reason: string | null): boolean {
  if (status === 'failed') return reason !== 'node-lost';
  return status === 'succeeded' || status === 'cancelled' || status === 'expired';
}

/** The timeline entries after `sent` (an index; -1 for none yet), as the events a stream sends next. */
export function eventsAfter(
  sent: number,
  timeline: readonly TimelineEntry[],
  status: JobStatus,
): Array<z.infer<typeof JobEventSchema>> {
  return timeline.slice(sent + 1).map((entry, offset) => ({ index: sent + 1 + offset, ...entry, status }));
}

/**
 * A job's lifecycle as server-sent events, so that neither a CLI nor a page has to poll: every timeline entry
 * (from the start, or after `Last-Event-ID` on a reconnect) as an event `timeline`, then `end` with the final
 * status when nothing more will happen. Changes arrive through Postgres notifications from whichever gateway
 * consumed them, and a re-read every few seconds covers a notification lost while reconnecting. Another
 * tenant's job answers 404 like every job route.
 */
@ApiTag('Jobs')
@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
@Roles('client')
export class JobEventsController {
  constructor(
    @Inject(JobStore) private readonly jobs: JobStore,
    @Inject(JobNotifications) private readonly notifications: JobNotifications,
  ) {}

  @ApiOperation({
    operationId: 'streamJobEvents',
    summary: "A job's lifecycle as server-sent events: each timeline entry, then `end` when it is over",
    description:
      'Events `timeline` (id: the entry index; resume with Last-Event-ID) and `end` (the final status). The ' +
      'stream stays open after a node-lost failure while the job may be failed over (60 s).',
    response: JobEventSchema,
    stream: true,
    errors: [404],
  })
  @Get(':jobId/events')
  async events(
    @Caller() caller: Principal,
    @Param('jobId') jobId: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const first = await this.jobs.findOwn(caller.tenantId, jobId);
    if (!first) throw new ProblemException(HttpStatus.NOT_FOUND, 'JOB.NOT_FOUND', 'no such job');
    response.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();

    let sent = /^\d{1,6}$/.test(lastEventId ?? '') ? Number(lastEventId) : -1;
    let closed = false;
    let failoverDeadline: number | undefined;
    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = () => undefined as void;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const timer of timers) clearInterval(timer);
      response.end();
    };
    const publish = (row: JobRow) => {
      for (const event of eventsAfter(sent, row.timeline, row.status)) {
        response.write(`id: ${event.index}\nevent: timeline\ndata: ${JSON.stringify(event)}\n\n`);
        sent = event.index;
        failoverDeadline = undefined;
      }
      const failingOver = row.status === 'failed' && row.reason === 'node-lost';
      if (failingOver && failoverDeadline === undefined) failoverDeadline = Date.now() + FAILOVER_WAIT_MS;
      if (streamEnds(row.status, row.reason) || (failingOver && Date.now() >= (failoverDeadline ?? 0))) {
        response.write(`event: end\ndata: ${JSON.stringify({ status: row.status, reason: row.reason })}\n\n`);
        close();
      }
    };
    // One re-read at a time; a change during one is picked up by the next.
    let reading: Promise<void> | undefined;
    let again = false;
    const refresh = () => {
      if (closed) return;
      if (reading) {
        again = true;
        return;
      }
      reading = this.jobs
        .findOwn(caller.tenantId, jobId)
        .then((row) => {
          if (row && !closed) publish(row);
        })
        .catch(() => undefined)
        .finally(() => {
          reading = undefined;
          if (again) {
            again = false;
            refresh();
          }
        });
    };

    request.on('close', close);
    unsubscribe = this.notifications.subscribe(jobId, refresh);
    timers.push(setInterval(refresh, 5_000));
    // A comment line now and then keeps proxies from closing an idle stream.
    timers.push(setInterval(() => !closed && response.write(': keep-alive\n\n'), 15_000));
    publish(first);
  }
}
