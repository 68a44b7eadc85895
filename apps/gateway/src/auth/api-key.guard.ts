import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { ProblemException, SERVICE_CONFIG, TokenBucket } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';
import { fingerprint, hashSecret, parseApiKey, Role, sameBytes } from './api-key';
import { ALLOW_PENDING_KEY, PLATFORM_TENANT, Principal, PUBLIC_KEY, ROLES_KEY } from './principal';

interface CachedKey {
  principal: Principal;
  fingerprint: string;
  expiresMs: number;
}

/**
 * `Authorization: Bearer <api key>` on every API route: finds the key, checks its secret (scrypt, then cached
 * for GATEWAY_KEY_CACHE_SECONDS by a fast fingerprint so a busy client does not pay the slow hash per request),
 * checks the route's roles, and applies the key's rate limit (429 with Retry-After). 401 for a missing or wrong
 * key, 403 for a key without the role — never a hint about which part was wrong. A route marked `@Public()` also
 * takes requests without a key, limited per client address (GATEWAY_ANONYMOUS_RATE_LIMIT_*).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: string;
  private readonly tenants: string;
  private readonly cache = new Map<string, CachedKey>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly operatorFingerprint: string;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.keys = qualified(config.DATABASE_SCHEMA, 'api_keys');
    this.tenants = qualified(config.DATABASE_SCHEMA, 'tenants');
    this.operatorFingerprint = fingerprint(config.GRIDEX_OPERATOR_KEY);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const response = context.switchToHttp().getResponse<Response>();
    const header = request.headers.authorization ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!key && isPublic) {
      // No key on a public route: limited per client address, with a budget of its own.
      this.limit(this.bucketFor(`ip:${request.ip ?? 'unknown'}`, 'anonymous'), response, 'this address');
      return true;
    }
    const principal = key ? await this.authenticate(key) : undefined;
    if (!principal) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'AUTH.UNAUTHENTICATED',
        'a valid API key is required',
      );
    }
    const allowPending = this.reflector.getAllAndOverride<boolean | undefined>(ALLOW_PENDING_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (principal.pending && !allowPending) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'AUTH.PENDING_APPROVAL',
        'this tenant signed itself up and waits for an operator to approve it',
      );
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && !roles.includes(principal.role)) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'AUTH.FORBIDDEN',
        `this needs an API key with the role ${roles.join(' or ')}`,
      );
    }
    this.limit(this.bucketFor(principal.keyId, 'key'), response, 'this API key');
    request.principal = principal;
    return true;
  }

  /** Takes a request from the bucket, or answers 429 with Retry-After. */
  private limit(bucket: TokenBucket, response: Response, whose: string): void {
    const waitMs = bucket.tryTake(Date.now());
    if (waitMs <= 0) return;
    response.setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'AUTH.RATE_LIMITED',
      `too many requests for ${whose}`,
    );
  }

  private async authenticate(key: string): Promise<Principal | undefined> {
    const print = fingerprint(key);
    if (print === this.operatorFingerprint) {
      return { keyId: 'bootstrap-operator', tenantId: PLATFORM_TENANT, role: 'operator' };
    }
    const parsed = parseApiKey(key);
    if (!parsed) return undefined;
    const cached = this.cache.get(parsed.keyId);
    if (cached && cached.expiresMs > Date.now() && cached.fingerprint === print) return cached.principal;
    const [row]: Array<{
      tenant_id: string;
      role: Role;
      salt: Buffer;
      secret_hash: Buffer;
      kdf_cost: number;
      status: 'pending' | 'active' | null;
    }> = await this.dataSource.query(
      `SELECT k.tenant_id, k.role, k.salt, k.secret_hash, k.kdf_cost, t.status
       FROM ${this.keys} k LEFT JOIN ${this.tenants} t ON t.tenant_id = k.tenant_id
       WHERE k.key_id = $1 AND k.revoked_at IS NULL`,
      [parsed.keyId],
    );
    if (!row) return undefined;
    const hash = await hashSecret(parsed.secret, row.salt, row.kdf_cost);
    if (!sameBytes(hash, row.secret_hash)) return undefined;
    const principal: Principal = {
      keyId: parsed.keyId,
      tenantId: row.tenant_id,
      role: row.role,
      ...(row.status === 'pending' ? { pending: true } : {}),
    };
    // A pending tenant's key is not cached: its approval takes effect on the next request.
    if (this.config.GATEWAY_KEY_CACHE_SECONDS > 0 && !principal.pending) {
      this.cache.set(parsed.keyId, {
        principal,
        fingerprint: print,
        expiresMs: Date.now() + this.config.GATEWAY_KEY_CACHE_SECONDS * 1000,
      });
    }
    return principal;
  }

  private bucketFor(id: string, kind: 'key' | 'anonymous'): TokenBucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket =
        kind === 'key'
          ? new TokenBucket(
              this.config.GATEWAY_RATE_LIMIT_PER_SECOND,
              this.config.GATEWAY_RATE_LIMIT_BURST,
              Date.now(),
            )
          : new TokenBucket(
              this.config.GATEWAY_ANONYMOUS_RATE_LIMIT_PER_SECOND,
              this.config.GATEWAY_ANONYMOUS_RATE_LIMIT_BURST,
              Date.now(),
            );
      this.buckets.set(id, bucket);
    }
    return bucket;
  }
}
