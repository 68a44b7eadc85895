import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { Principal } from '../auth/principal';
import { GatewayConfig } from '../config/gateway.config';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,200}$/;

/**
 * `Idempotency-Key` on any POST: the first request with a key claims it, runs, and its answer (status and the
 * body's exact bytes) is stored; a retry with the same key gets that answer again, byte for byte, without running
 * anything; the same key with a different method, path or body answers 422. Keys are per tenant. A request that
 * fails is not recorded, so it can be retried with its key.
 *
 * Records expire after `GATEWAY_IDEMPOTENCY_TTL_SECONDS` (then the key starts afresh; `IdempotencyExpiry` deletes
 * them). A claim is a lease of `GATEWAY_IDEMPOTENCY_LEASE_SECONDS`: while it holds, a retry answers 409; once it
 * lapses without an answer (the process crashed mid-way), a retry with the same request takes the claim over.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly table: string;
  private readonly ttlSeconds: number;
  private readonly leaseSeconds: number;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'idempotency_records');
    this.ttlSeconds = config.GATEWAY_IDEMPOTENCY_TTL_SECONDS;
    this.leaseSeconds = config.GATEWAY_IDEMPOTENCY_LEASE_SECONDS;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined) return next.handle();
    return from(this.once(request, context.switchToHttp().getResponse<Response>(), String(key), next));
  }

  private async once(
    request: Request & { principal?: Principal },
    response: Response,
    key: string,
    next: CallHandler,
  ): Promise<unknown> {
    if (!KEY_PATTERN.test(key)) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'IDEMPOTENCY.INVALID_KEY',
        'Idempotency-Key must be 8 to 200 letters, digits or . _ : -',
        [{ field: 'Idempotency-Key', message: 'malformed' }],
      );
    }
    const principal = request.principal?.tenantId ?? 'anonymous';
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.path}\n${JSON.stringify(request.body ?? null)}`)
      .digest('base64url');
    // A new key, an expired record, or a lapsed claim on the same request: this request runs.
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO ${this.table} AS record
         (principal, idempotency_key, method, path, request_hash, status, response_body, created_at, lease_until)
       VALUES ($1, $2, $3, $4, $5, 0, NULL, now(), now() + make_interval(secs => $6))
       ON CONFLICT (principal, idempotency_key) DO UPDATE
         SET method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash, status = 0,
             response_body = NULL, created_at = now(), lease_until = EXCLUDED.lease_until
         WHERE record.created_at < now() - make_interval(secs => $7)
            OR (record.status = 0 AND record.lease_until < now() AND record.request_hash = EXCLUDED.request_hash)
       RETURNING 1`,
      [principal, key, request.method, request.path, requestHash, this.leaseSeconds, this.ttlSeconds],
    );
    if (claimed.length === 0) {
      const [earlier]: Array<{ request_hash: string; status: number; response_body: string | null }> =
        await this.dataSource.query(
          `SELECT request_hash, status, response_body FROM ${this.table}
           WHERE principal = $1 AND idempotency_key = $2`,
          [principal, key],
        );
      if (!earlier || earlier.request_hash !== requestHash) {
        throw new ProblemException(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'IDEMPOTENCY.KEY_REUSED',
          'this Idempotency-Key was used for a different request',
        );
      }
      if (earlier.status === 0) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'IDEMPOTENCY.IN_PROGRESS',
          'the first request with this key is still running',
        );
      }
      response.status(earlier.status).setHeader('Idempotent-Replayed', 'true');
      if (!earlier.response_body) return undefined;
      // The stored bytes as they are: returned as a string, Express sends them without serializing again.
      response.type('application/json');
      return earlier.response_body;
    }
    try {
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      // What Express's res.json will send for this body (JSON.stringify, no replacer or spacing).
      const sent = body === undefined ? '' : JSON.stringify(body);
      await this.dataSource.query(
        `UPDATE ${this.table} SET status = $3, response_body = $4 WHERE principal = $1 AND idempotency_key = $2`,
        [principal, key, response.statusCode, sent],
      );
      return body;
    } catch (error) {
      await this.dataSource.query(`DELETE FROM ${this.table} WHERE principal = $1 AND idempotency_key = $2`, [
        principal,
        key,
      ]);
      throw error;
    }
  }
}

/** Deletes idempotency records past their time to live, once a minute (any replica may; deleting twice is harmless). */
@Injectable()
export class IdempotencyExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyExpiry.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.deleteExpired().catch((error: Error) =>
        this.logger.warn(`deleting expired idempotency records failed: ${error.message}`),
      );
    }, 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes the records older than the time to live; returns how many. */
  async deleteExpired(): Promise<number> {
    const table = qualified(this.config.DATABASE_SCHEMA, 'idempotency_records');
    const deleted: unknown[] = await this.dataSource.query(
      `WITH gone AS (DELETE FROM ${table} WHERE created_at < now() - make_interval(secs => $1) RETURNING 1)
       SELECT 1 FROM gone`,
      [this.config.GATEWAY_IDEMPOTENCY_TTL_SECONDS],
    );
    return deleted.length;
  }
}
