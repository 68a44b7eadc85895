import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Put,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { IdSchema, money, MoneySchema } from '@gridex/contracts';
import { currentCorrelation } from '@gridex/observability';
import { ProblemException, SERVICE_CONFIG, validated } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { TenantAccounts } from '../ledger/tenant-accounts';
import { CreditsService } from './credits.service';

const TopUpSchema = z.strictObject({
  amount: MoneySchema,
  paymentMethod: z.string().min(1).max(200).describe("The payment provider's token for the payment method"),
});
const CreditLimitSchema = z.strictObject({ creditLimit: MoneySchema });
const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9._:-]{8,200}$/);

export function tenantIdFrom(value: string): string {
  return validated(IdSchema, value, 'BILLING.INVALID_TENANT', 'the tenant id is invalid');
}

/**
 * A tenant's money, for the gateway (which authenticates and scopes requests to the caller's tenant): balance,
 * top-ups, credit limit. Amounts are integer micro-units as strings.
 */
@Controller('v1/tenants/:tenantId')
export class AccountsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CreditsService) private readonly credits: CreditsService,
    @Inject(TenantAccounts) private readonly tenants: TenantAccounts,
    @Inject(SERVICE_CONFIG) private readonly config: BillingConfig,
  ) {}

  @Get('balance')
  async balance(@Param('tenantId') tenantId: string) {
    const funds = await this.tenants.read(this.dataSource.manager, tenantIdFrom(tenantId));
    const currency = this.config.BILLING_CURRENCY;
    return {
      tenantId: funds.tenantId,
      available: money(currency, funds.availableMicros),
      held: money(currency, funds.heldMicros),
      creditLimit: money(currency, funds.creditLimitMicros),
      spendable: money(currency, funds.availableMicros + funds.creditLimitMicros),
    };
  }

  @Post('credits')
  @HttpCode(HttpStatus.CREATED)
  async topUp(
    @Param('tenantId') tenantId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    const key = IdempotencyKeySchema.safeParse(idempotencyKey);
    if (!key.success) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'BILLING.IDEMPOTENCY_KEY_REQUIRED',
        'a top-up needs an Idempotency-Key header of 8 to 200 letters, digits or . _ : -',
        [{ field: 'Idempotency-Key', message: 'missing or malformed' }],
      );
    }
    const request = validated(TopUpSchema, body, 'BILLING.INVALID_TOP_UP', 'the top-up is invalid');
    const amountMicros = BigInt(request.amount.micros);
    if (request.amount.currency !== this.config.BILLING_CURRENCY || amountMicros <= 0n) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'BILLING.INVALID_TOP_UP', 'the top-up is invalid', [
        {
          field: 'amount',
          message: `must be a positive amount in ${this.config.BILLING_CURRENCY}`,
        },
      ]);
    }
    return this.credits.topUp({
      tenantId: tenantIdFrom(tenantId),
      idempotencyKey: key.data,
      amountMicros,
      paymentMethod: request.paymentMethod,
      correlationId: currentCorrelation()?.correlationId ?? key.data,
    });
  }

  @Put('credit-limit')
  async setCreditLimit(@Param('tenantId') tenantId: string, @Body() body: unknown) {
    const { creditLimit } = validated(
      CreditLimitSchema,
      body,
      'BILLING.INVALID_CREDIT_LIMIT',
      'the credit limit is invalid',
    );
    const limit = BigInt(creditLimit.micros);
    if (creditLimit.currency !== this.config.BILLING_CURRENCY || limit < 0n) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'BILLING.INVALID_CREDIT_LIMIT',
        'the credit limit is invalid',
        [{ field: 'creditLimit', message: `must be an amount ≥ 0 in ${this.config.BILLING_CURRENCY}` }],
      );
    }
    const funds = await this.dataSource.transaction((tx) =>
      this.tenants.setCreditLimit(tx, tenantIdFrom(tenantId), limit),
    );
    return {
      tenantId: funds.tenantId,
      creditLimit: money(this.config.BILLING_CURRENCY, funds.creditLimitMicros),
    };
  }
}
