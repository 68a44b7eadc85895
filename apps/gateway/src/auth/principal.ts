import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from './api-key';

/** Who is calling: the tenant and role of the API key that authenticated the request. */
export interface Principal {
  keyId: string;
  tenantId: string;
  role: Role;
  /** The tenant signed itself up and waits for an operator's approval. */
  pending?: boolean;
}

export const ROLES_KEY = 'gridex:roles';

/** The roles allowed on a route (or every route of a controller). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const PUBLIC_KEY = 'gridex:public';
export const ALLOW_PENDING_KEY = 'gridex:allow-pending';

/** A route a tenant waiting for approval may call with its key (who am I). */
export const AllowPending = () => SetMetadata(ALLOW_PENDING_KEY, true);

/**
 * A route anyone may call without a key (browsing offers): rate-limited per client address instead of per key.
 * A request that does bring a key is authenticated as usual.
 */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The authenticated caller, for a route handler (undefined on a public route called without a key). */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

/** The tenant that owns the platform itself; the bootstrap operator key belongs to it. */
export const PLATFORM_TENANT = 'gridex';
