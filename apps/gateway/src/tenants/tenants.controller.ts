import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Put,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { RegionSchema, SupplierKindSchema, SupplierRegistered, TenantShareSet } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { ProblemException, SERVICE_CONFIG } from '@gridex/runtime';
import { commandOrigin } from '../commands/command-origin';
import { hashSecret, newApiKey, ROLES } from '../auth/api-key';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { AllowPending, Caller, PLATFORM_TENANT, Principal, Public, Roles } from '../auth/principal';
import { GatewayConfig } from '../config/gateway.config';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { parseBody } from '../openapi/validation';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

export const TenantShareSchema = z.strictObject({
  weight: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .describe("The tenant's weight in the queue's fair sharing of GPUs"),
});

export const TenantShareViewSchema = z.object({
  tenantId: z.string(),
  weight: z.number().int(),
  setAt: z.string(),
});

/** What a tenant is, as an operator creates it or it signs itself up. */
const TenantFields = {
  name: z.string().trim().min(1).max(200).describe('Display name'),
  kind: z.enum(['client', 'supplier']).describe('Clients rent GPUs; suppliers offer them'),
  supplierKind: SupplierKindSchema.optional().describe(
    'Suppliers only: datacenter, individual (the default) or network',
  ),
  region: RegionSchema.optional().describe("Suppliers only: the supplier's home region (default global)"),
};
const supplierFieldsOnlyForSuppliers: [
  (tenant: { kind: string; supplierKind?: string; region?: string }) => boolean,
  { message: string; path: string[] },
] = [
  (tenant) => tenant.kind === 'supplier' || (!tenant.supplierKind && !tenant.region),
  { message: 'supplierKind and region are for supplier tenants only', path: ['supplierKind'] },
];

export const CreateTenantSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{1,38}[a-z0-9])$/, 'must be 3 to 40 lower-case letters, digits or -')
      .refine((id) => id !== PLATFORM_TENANT, "is the platform's own id")
      .optional()
      .describe(
        "The tenant's id (default: generated). For a supplier whose nodes already carry gridex.io/supplier=<id>",
      ),
    ...TenantFields,
  })
  .refine(...supplierFieldsOnlyForSuppliers);
/** Sign-up: the tenant as an operator would create it, without choosing its id. */
export const SignUpSchema = z.strictObject(TenantFields).refine(...supplierFieldsOnlyForSuppliers);
export const CreateApiKeySchema = z.strictObject({
  role: z.enum(ROLES as [string, ...string[]]).describe('operator, client, supplier or finance'),
});
export const TenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['client', 'supplier', 'platform']),
  status: z.enum(['pending', 'active']).describe('pending: signed itself up, waiting for an operator'),
  createdAt: z.string(),
});
export const SignedUpSchema = z.object({
  tenant: TenantSchema,
  key: z.string().describe("The new tenant's API key (its kind's role). Shown once: only a hash is kept"),
  keyId: z.string(),
});
export const MeSchema = z.object({
  tenantId: z.string(),
  role: z.string(),
  keyId: z.string(),
  pending: z.boolean().optional().describe('The tenant signed itself up and waits for approval'),
});
export const ApiKeyCreatedSchema = z.object({
  key: z.string().describe('The API key. Shown once: only a hash is kept'),
  keyId: z.string(),
  tenantId: z.string(),
  role: z.string(),
});

type TenantKind = 'client' | 'supplier' | 'platform';

interface TenantRow {
  tenant_id: string;
  name: string;
  kind: TenantKind;
  status?: 'pending' | 'active';
  supplier_kind?: string | null;
  region?: string | null;
  created_at: Date;
}

/**
 * Which roles a tenant's keys may have: its own kind's, or finance (read-only money: its own, or for the
 * platform tenant every tenant's); operator keys only for the platform.
 */
function allowedRoles(kind: TenantKind): string[] {
  return [kind === 'platform' ? 'operator' : kind, 'finance'];
}

/** Operators create tenants and their API keys; any key can ask who it is. */
@ApiTag('Tenants')
@Controller('v1')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
export class TenantsController {
  private readonly tenants: string;
  private readonly keys: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {
    this.tenants = qualified(config.DATABASE_SCHEMA, 'tenants');
    this.keys = qualified(config.DATABASE_SCHEMA, 'api_keys');
  }

  /**
   * Self-service sign-up (no key; limited per address): a client or supplier tenant with a key of its kind. Where
   * the exchange requires approval (GATEWAY_SIGNUP=approval, the default) the tenant waits `pending` and its key
   * only answers `GET /v1/me` until an operator approves it; a supplier reaches inventory only then.
   */
  @ApiOperation({
    operationId: 'signUp',
    summary:
      'Sign up a client or supplier tenant, with a key of its kind (waits for approval where the exchange requires it)',
    request: SignUpSchema,
    response: SignedUpSchema,
    errors: [400],
  })
  @Post('signup')
  @Public()
  @HttpCode(HttpStatus.CREATED)
  async signUp(@Body() body: unknown) {
    if (this.config.GATEWAY_SIGNUP === 'closed') {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'SIGNUP.CLOSED',
        'this exchange opens accounts by operator',
      );
    }
    const request = parseBody(SignUpSchema, body);
    const status = this.config.GATEWAY_SIGNUP === 'open' ? 'active' : 'pending';
    const id = `t-${randomBytes(8).toString('hex')}`;
    return this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(
        `INSERT INTO ${this.tenants} (tenant_id, name, kind, status, supplier_kind, region)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [id, request.name, request.kind, status, request.supplierKind ?? null, request.region ?? null],
      );
      if (status === 'active') await this.announceSupplier(tx, row);
      const issued = await this.issueKey(tx, id, request.kind);
      return { tenant: this.view(row), key: issued.key, keyId: issued.keyId };
    });
  }

  /** Approves a tenant that signed itself up: its keys work from now on, and a supplier reaches inventory. */
  @ApiOperation({
    operationId: 'approveTenant',
    summary: 'Approve a tenant that signed itself up: its keys work, and a supplier reaches inventory',
    response: TenantSchema,
    errors: [404],
  })
  @Post('tenants/:tenantId/approve')
  @Roles('operator')
  @HttpCode(HttpStatus.OK)
  async approve(@Param('tenantId') tenantId: string) {
    return this.dataSource.transaction(async (tx) => {
      const approved: TenantRow[] = await tx.query(
        `WITH approved AS (UPDATE ${this.tenants} SET status = 'active' WHERE tenant_id = $1 AND status = 'pending'
           RETURNING *) SELECT * FROM approved`,
        [tenantId],
      );
      if (approved[0]) {
        await this.announceSupplier(tx, approved[0]);
        return this.view(approved[0]);
      }
      const [row] = await tx.query(`SELECT * FROM ${this.tenants} WHERE tenant_id = $1`, [tenantId]);
      if (!row) throw new ProblemException(HttpStatus.NOT_FOUND, 'TENANT.NOT_FOUND', 'no such tenant');
      return this.view(row); // already active: approving again changes nothing
    });
  }

  @ApiOperation({
    operationId: 'createTenant',
    summary: 'Create a tenant (client or supplier)',
    request: CreateTenantSchema,
    response: TenantSchema,
    errors: [400, 409, 422],
  })
  @Post('tenants')
  @Roles('operator')
  @HttpCode(HttpStatus.CREATED)
  async create(@Body() body: unknown) {
    const request = parseBody(CreateTenantSchema, body);
    // Lower-case letters and digits: a supplier's id is also its nodes' gridex.io/supplier label and part of
    // Kubernetes names (nodes, namespaces), which must be lower-case DNS labels.
    const id = request.id ?? `t-${randomBytes(8).toString('hex')}`;
    // A supplier tenant is also a supplier of capacity: inventory learns of it from supplier-registered,
    // written in the same transaction so the tenant and the event exist together or not at all.
    return this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(
        `INSERT INTO ${this.tenants} (tenant_id, name, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING *`,
        [id, request.name, request.kind],
      );
      if (!row) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'TENANT.EXISTS',
          `a tenant with the id ${id} exists`,
          [{ field: 'id', message: 'taken' }],
        );
      }
      await this.announceSupplier(tx, {
        ...row,
        supplier_kind: request.supplierKind ?? null,
        region: request.region ?? null,
      });
      return this.view(row);
    });
  }

  /**
   * Sets a tenant's weight in the queue's fair sharing of GPUs (every tenant has 1 until set): a tenant of weight
   * 2 gets two GPUs for every one of a tenant of weight 1 while both have jobs waiting.
   */
  @ApiOperation({
    operationId: 'setTenantShare',
    summary: "A tenant's weight in the queue's fair sharing of GPUs (every tenant has 1 until set)",
    request: TenantShareSchema,
    response: TenantShareViewSchema,
    errors: [400, 404, 422, 503],
  })
  @Put('tenants/:tenantId/share')
  @Roles('operator')
  async setShare(@Param('tenantId') tenantId: string, @Body() body: unknown) {
    const { weight } = parseBody(TenantShareSchema, body);
    return this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(`SELECT tenant_id FROM ${this.tenants} WHERE tenant_id = $1`, [tenantId]);
      if (!row) throw new ProblemException(HttpStatus.NOT_FOUND, 'TENANT.NOT_FOUND', 'no such tenant');
      const setAt = new Date().toISOString();
      await this.outbox.emit(tx, TenantShareSet, { tenantId, weight, setAt }, commandOrigin(tenantId));
      return { tenantId, weight, setAt };
    });
  }

  @ApiOperation({
    operationId: 'getTenant',
    summary: 'Read a tenant',
    response: TenantSchema,
    errors: [404],
  })
  @Get('tenants/:tenantId')
  @Roles('operator')
  async get(@Param('tenantId') tenantId: string) {
    const [row] = await this.dataSource.query(`SELECT * FROM ${this.tenants} WHERE tenant_id = $1`, [
      tenantId,
    ]);
    if (!row) throw new ProblemException(HttpStatus.NOT_FOUND, 'TENANT.NOT_FOUND', 'no such tenant');
    return this.view(row);
  }

  @ApiOperation({
    operationId: 'createApiKey',
    summary: "Create an API key for a tenant (shown once; a client tenant's keys are client or finance)",
    request: CreateApiKeySchema,
    response: ApiKeyCreatedSchema,
    errors: [400, 404, 409, 422],
  })
  @Post('tenants/:tenantId/api-keys')
  @Roles('operator')
  @HttpCode(HttpStatus.CREATED)
  async createKey(@Param('tenantId') tenantId: string, @Body() body: unknown) {
    const { role } = parseBody(CreateApiKeySchema, body);
    const [tenant] = await this.dataSource.query(`SELECT kind FROM ${this.tenants} WHERE tenant_id = $1`, [
      tenantId,
    ]);
    if (!tenant) throw new ProblemException(HttpStatus.NOT_FOUND, 'TENANT.NOT_FOUND', 'no such tenant');
    if (!allowedRoles(tenant.kind).includes(role)) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'TENANT.ROLE_NOT_ALLOWED',
        `a ${tenant.kind} tenant's keys may have the roles ${allowedRoles(tenant.kind).join(' or ')}`,
        [{ field: 'role', message: `not allowed for a ${tenant.kind} tenant` }],
      );
    }
    const { key, keyId } = await this.issueKey(this.dataSource, tenantId, role);
    return { key, keyId, tenantId, role };
  }

  /** A new API key for the tenant; only its hash is stored. */
  private async issueKey(
    db: EntityManager | DataSource,
    tenantId: string,
    role: string,
  ): Promise<{ key: string; keyId: string }> {
    const { key, keyId, secret } = newApiKey();
    const salt = randomBytes(16);
    const hash = await hashSecret(secret, salt, this.config.GATEWAY_KDF_COST);
    await db.query(
      `INSERT INTO ${this.keys} (key_id, tenant_id, role, salt, secret_hash, kdf_cost) VALUES ($1, $2, $3, $4, $5, $6)`,
      [keyId, tenantId, role, salt, hash, this.config.GATEWAY_KDF_COST],
    );
    return { key, keyId };
  }

  /** A supplier tenant becomes a supplier of capacity: inventory learns of it from supplier-registered. */
  private async announceSupplier(tx: EntityManager, row: TenantRow): Promise<void> {
    if (row.kind !== 'supplier') return;
    await this.outbox.emit(
      tx,
      SupplierRegistered,
      {
        supplierId: row.tenant_id,
        name: row.name,
        kind: (row.supplier_kind ?? 'individual') as 'datacenter' | 'individual' | 'network',
        region: row.region ?? 'global',
      },
      commandOrigin(row.tenant_id),
    );
  }

  /** The caller's own identity: tenant, role, and whether the tenant still waits for approval. */
  @ApiOperation({
    operationId: 'getMe',
    summary: "The calling key's tenant and role",
    response: MeSchema,
  })
  @Get('me')
  @AllowPending()
  me(@Caller() caller: Principal) {
    return {
      tenantId: caller.tenantId,
      role: caller.role,
      keyId: caller.keyId,
      status: caller.pending ? 'pending' : 'active',
    };
  }

  private view(row: TenantRow) {
    return {
      id: row.tenant_id,
      name: row.name,
      kind: row.kind,
      status: row.status ?? 'active',
      createdAt: new Date(row.created_at).toISOString(),
    };
  }
}
