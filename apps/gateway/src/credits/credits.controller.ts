import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { CreditRequested, uuidv7 } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ProblemException } from '@gridex/runtime';
import { commandOrigin } from '../commands/command-origin';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Caller, Principal, Roles } from '../auth/principal';
import { decimalAmountSchema, decimalToMicros, microsToDecimal } from '../domain/api-money';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { parseBody } from '../openapi/validation';
import { MoneyTables } from './balance.handlers';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

export const TopUpRequestSchema = z.strictObject({
  amount: decimalAmountSchema('USD', '500.00').refine(
    (value) => decimalToMicros(value) > 0n,
    'must be more than zero',
  ),
  paymentMethod: z
    .string()
    .min(1)
    .max(200)
    .default('pm_test_card')
    .describe("The payment provider's token for the payment method"),
});
export const TopUpSchema = z.object({
  topUpId: z.string(),
  amount: z.string(),
  status: z.enum(['pending', 'credited', 'declined']),
  reason: z.string().nullable(),
});
export const BalanceSchema = z.object({
  available: z.string().describe('USD the tenant can spend (may go below zero down to its credit limit)'),
  held: z.string().describe('USD reserved for matched jobs'),
});

/**
 * Credits and balance. A top-up is a command (`credit-requested`, 202): billing charges the payment method and
 * answers with `credit-added` or `credit-declined`, which the top-up's status then shows. The balance is the
 * gateway's read model of billing's finance events.
 */
@ApiTag('Billing')
@Controller('v1')
@UseGuards(ApiKeyGuard)
@UseInterceptors(IdempotencyInterceptor)
@Roles('client')
export class CreditsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MoneyTables) private readonly tables: MoneyTables,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {}

  @ApiOperation({
    operationId: 'addCredits',
    summary:
      'Top up credit, e.g. { "amount": "500.00" }; billing charges the payment method (poll GET /v1/credits/{topUpId})',
    request: TopUpRequestSchema,
    response: TopUpSchema,
    errors: [400, 409, 422],
  })
  @Post('credits')
  @HttpCode(HttpStatus.ACCEPTED)
  async topUp(@Caller() caller: Principal, @Body() body: unknown) {
    const request = parseBody(TopUpRequestSchema, body);
    const topUpId = uuidv7();
    const amountMicros = decimalToMicros(request.amount);
    const now = new Date();
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ${this.tables.topUps} (top_up_id, tenant_id, amount_micros, status, requested_at, updated_at)
         VALUES ($1, $2, $3, 'pending', $4, $4)`,
        [topUpId, caller.tenantId, amountMicros.toString(), now],
      );
      await this.outbox.emit(
        tx,
        CreditRequested,
        {
          topUpId,
          tenantId: caller.tenantId,
          amount: { currency: 'USD', micros: amountMicros.toString() },
          paymentMethod: request.paymentMethod,
          requestedAt: now.toISOString(),
        },
        commandOrigin(caller.tenantId),
        now,
      );
    });
    return { topUpId, amount: microsToDecimal(amountMicros), status: 'pending', reason: null };
  }

  @ApiOperation({
    operationId: 'getTopUp',
    summary: 'A top-up: pending, credited or declined (with the reason)',
    response: TopUpSchema,
    errors: [404],
  })
  @Get('credits/:topUpId')
  async get(@Caller() caller: Principal, @Param('topUpId') topUpId: string) {
    const id = z.uuid().safeParse(topUpId);
    const [row] = id.success
      ? await this.dataSource.query(
          `SELECT * FROM ${this.tables.topUps} WHERE top_up_id = $1 AND tenant_id = $2`,
          [id.data, caller.tenantId],
        )
      : [];
    if (!row) throw new ProblemException(HttpStatus.NOT_FOUND, 'CREDIT.NOT_FOUND', 'no such top-up');
    return {
      topUpId: row.top_up_id,
      amount: microsToDecimal(BigInt(row.amount_micros)),
      status: row.status,
      reason: row.reason,
    };
  }

  @ApiOperation({
    operationId: 'getBalance',
    summary: "The caller's available and held credit, in USD",
    response: BalanceSchema,
  })
  @Get('balance')
  async balance(@Caller() caller: Principal) {
    const [row] = await this.dataSource.query(`SELECT * FROM ${this.tables.balances} WHERE tenant_id = $1`, [
      caller.tenantId,
    ]);
    return {
      available: microsToDecimal(BigInt(row?.available_micros ?? 0)),
      held: microsToDecimal(BigInt(row?.held_micros ?? 0)),
    };
  }
}
