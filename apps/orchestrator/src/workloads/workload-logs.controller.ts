import { Controller, Get, HttpStatus, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { IdSchema } from '@gridex/contracts';
import { ProblemException, validated } from '@gridex/runtime';
import { sinceTime } from '../domain/log-lines';
import { LiveLogs } from './live-logs.service';
import { WorkloadLogs } from './workload-logs.service';

const LogQuerySchema = z.strictObject({
  tenantId: IdSchema,
  after: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
  since: z.string().max(40).optional(),
  node: z.string().min(1).max(253).optional(),
  tail: z.coerce.number().int().min(1).max(10_000).optional(),
});

const LiveQuerySchema = z.strictObject({
  tenantId: IdSchema,
  node: z.string().min(1).max(253).optional(),
});

/**
 * A job's container logs as the orchestrator keeps them, for the gateway (which has checked the caller owns the
 * job; the tenant id is matched here again). Paged by `after` (the last line's seq), which is how the gateway
 * follows a running job.
 */
@Controller('v1/jobs')
export class WorkloadLogsController {
  constructor(
    @Inject(WorkloadLogs) private readonly logs: WorkloadLogs,
    @Inject(LiveLogs) private readonly live: LiveLogs,
  ) {}

  /**
   * What the job's running pods write, as it is written: one JSON line per log line (`at`, `node`, `line`),
   * from about two seconds ago, until none of its pods runs any more (or the caller leaves). Pods shared between
   * followers are followed once (LiveLogs).
   */
  @Get(':jobId/logs/live')
  async follow(
    @Param('jobId') jobId: string,
    @Query() raw: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const query = validated(LiveQuerySchema, raw, 'ORCHESTRATOR.INVALID_QUERY', 'the log query is invalid');
    const pods = (await this.logs.runningPods(jobId, query.tenantId)).filter(
      (pod) => query.node === undefined || pod.node === query.node,
    );
    response.status(200).type('application/x-ndjson');
    response.flushHeaders();
    const stops = pods.map((pod) =>
      this.live.follow(pod, (line) =>
        response.write(`${JSON.stringify({ at: line.at, node: line.node, line: line.text })}\n`),
      ),
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(check);
      for (const stop of stops) stop();
      response.end();
    };
    // The kubelet keeps a follow open as long as the container could write; the job's workload ending ends it.
    const check = setInterval(() => {
      this.logs
        .runningPodsShared(jobId, query.tenantId)
        .then((now) => {
          if (!pods.some((pod) => now.some((running) => running.pod === pod.pod))) end();
        })
        .catch(() => undefined);
    }, 500);
    request.on('close', end);
    if (pods.length === 0) end();
  }

  @Get(':jobId/logs')
  read(@Param('jobId') jobId: string, @Query() raw: unknown) {
    const query = validated(LogQuerySchema, raw, 'ORCHESTRATOR.INVALID_QUERY', 'the log query is invalid');
    const since = query.since === undefined ? undefined : sinceTime(query.since, new Date());
    if (query.since !== undefined && since === undefined) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'ORCHESTRATOR.INVALID_QUERY',
        'the log query is invalid',
        [{ field: 'since', message: 'must be a duration such as 15m, 2h or 90s, or an RFC 3339 time' }],
      );
    }
    return this.logs.read({
      jobId,
      tenantId: query.tenantId,
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
      ...(since ? { since } : {}),
      ...(query.node === undefined ? {} : { node: query.node }),
      ...(query.tail === undefined ? {} : { tail: query.tail }),
    });
  }
}
