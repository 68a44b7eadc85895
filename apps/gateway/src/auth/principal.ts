import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from './api-key';

/** Who is calling: the tenant and role of the API key that authenticated the request. */
export interface Principal {
  keyId: string;
  tenantId: string;
  role: Role;
}

export const ROLES_KEY = 'gridex:roles';

/** The roles allowed on a route (or every route of a controller). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The authenticated caller, for a route handler. */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

/** The tenant that owns the platform itself; the bootstrap operator key belongs to it. */
export const PLATFORM_TENANT = 'gridex';
