import { Controller, Get, HttpStatus, Inject, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { IdSchema } from '@gridex/contracts';
import { ProblemException, validated } from '@gridex/runtime';
import { sinceTime } from '../domain/log-lines';
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

/**
 * A job's container logs as the orchestrator keeps them, for the gateway (which has checked the caller owns the
 * job; the tenant id is matched here again). Paged by `after` (the last line's seq), which is how the gateway
 * follows a running job.
 */
@Controller('v1/jobs')
export class WorkloadLogsController {
  constructor(@Inject(WorkloadLogs) private readonly logs: WorkloadLogs) {}

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
