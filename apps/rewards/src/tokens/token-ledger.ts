import { Inject, Injectable } from '@nestjs/common';
import { deterministicUuid, IdNamespaces } from '@gridex/contracts';
import { DoubleEntryLedger, DoubleEntryShape } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { RewardsConfig } from '../config/rewards.config';
import { TokenKind } from '../domain/token-ledger';

/** The token ledger's tables: `token_transactions`, `token_postings`, `token_balances`, amounts in base units. */
export const TOKEN_LEDGER_SHAPE: DoubleEntryShape = {
  prefix: 'token',
  unit: 'units',
  denomination: { column: 'asset', check: `asset ~ '^[A-Z0-9]{2,12}$'` },
};

export const tokenTransactionId = (kind: TokenKind, reference: string) =>
  deterministicUuid(IdNamespaces.tokenTransaction, kind, reference);

/** Rewards' token ledger (the accounts and movements are `domain/token-ledger.ts`). */
@Injectable()
export class TokenLedger extends DoubleEntryLedger<TokenKind> {
  constructor(@Inject(SERVICE_CONFIG) config: RewardsConfig) {
    super(
      config.DATABASE_SCHEMA,
      TOKEN_LEDGER_SHAPE,
      { column: 'asset', value: config.REWARDS_TOKEN_SYMBOL },
      tokenTransactionId,
    );
  }
}
