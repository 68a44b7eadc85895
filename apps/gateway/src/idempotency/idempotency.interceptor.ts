import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  NestInterceptor,
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
 * `Idempotency-Key` on any POST: the first request with a key is recorded as in progress, runs, and its answer
 * (status and body) is stored; a retry with the same key gets that answer again without running anything; the
 * same key with a different method, path or body answers 422; a retry while the first is still running answers
 * 409. Keys are per tenant. A request that fails is not recorded, so it can be retried with its key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly table: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'idempotency_records');
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
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO ${this.table} (principal, idempotency_key, method, path, request_hash, status, response)
       VALUES ($1, $2, $3, $4, $5, 0, 'null') ON CONFLICT DO NOTHING RETURNING 1`,
      [principal, key, request.method, request.path, requestHash],
    );
    if (claimed.length === 0) {
      const [earlier]: Array<{ request_hash: string; status: number; response: unknown }> =
        await this.dataSource.query(
          `SELECT request_hash, status, response FROM ${this.table} WHERE principal = $1 AND idempotency_key = $2`,
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
      return earlier.response;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: null });
      await this.dataSource.query(
        `UPDATE ${this.table} SET status = $3, response = $4 WHERE principal = $1 AND idempotency_key = $2`,
        [principal, key, response.statusCode, JSON.stringify(body ?? null)],
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
