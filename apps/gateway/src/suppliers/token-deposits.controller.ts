import { Body, Controller, HttpCode, HttpStatus, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { IdSchema } from '@gridex/contracts';
import { validated } from '@gridex/runtime';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Roles } from '../auth/principal';
import { decimalAmountSchema, decimalToMicros, toApiUnits } from '../domain/api-money';
import { ServiceClient } from '../internal/service-client';
import { parseBody } from '../openapi/validation';
import { ApiOperation, ApiTag } from '../openapi/api-operation';

export const TokenDepositRequestSchema = z.strictObject({
  amount: decimalAmountSchema('tokens', '1000'),
  reference: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1 to 200 letters, digits, . _ : -')
    .describe(
      'Names the transfer received (e.g. the exchange or custody reference): one credit per reference',
    ),
});
export const TokenDepositSchema = z.object({
  supplierId: z.string(),
  amount: z.string().describe('Tokens'),
  reference: z.string(),
  credited: z.boolean().describe('false: this reference had been credited before, nothing changed'),
});

/**
 * Operators record tokens a supplier transferred to the platform off the chain (where the chain is on, the
 * vault watcher credits on-chain deposits by itself). Credited to the supplier's available tokens once per
 * reference, so recording the same transfer twice changes nothing.
 */
@ApiTag('Operations')
@Controller('v1/suppliers/:supplierId/token-deposits')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class TokenDepositsController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  @ApiOperation({
    operationId: 'recordTokenDeposit',
    summary: 'Record tokens a supplier transferred off the chain (credited once per reference)',
    request: TokenDepositRequestSchema,
    response: TokenDepositSchema,
    errors: [400, 422, 503],
  })
  @Post()
  @HttpCode(HttpStatus.OK)
  async record(@Param('supplierId') supplierIdParam: string, @Body() body: unknown) {
    const supplierId = validated(
      IdSchema,
      supplierIdParam,
      'REQUEST.INVALID_SUPPLIER',
      'the supplier id is invalid',
    );
    const request = parseBody(TokenDepositRequestSchema, body);
    const answer = await this.services.json(
      'rewards',
      `/v1/suppliers/${encodeURIComponent(supplierId)}/deposits`,
      {
        method: 'POST',
        body: { units: decimalToMicros(request.amount).toString(), reference: request.reference },
      },
    );
    return toApiUnits(answer);
  }
}
