import { createHash, randomUUID } from 'node:crypto';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { dropSchema, stackEnv, testSchemaName } from '@gridex/testing';
import { openServiceDataSource } from '../service-data-source';
import { DoubleEntryLedger } from './double-entry-ledger';
import { createDoubleEntryLedger, DoubleEntryShape } from './double-entry-schema';
import { transfer } from './postings';

const shape: DoubleEntryShape = {
  prefix: 'probe',
  unit: 'units',
  denomination: { column: 'asset', check: `asset ~ '^[A-Z]{3}$'` },
};

class CreateProbeLedger implements MigrationInterface {
  name = 'CreateProbeLedger1765100000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await createDoubleEntryLedger(queryRunner, shape, {
      nonNegative: `NOT starts_with(b.account, 'platform:')`,
    });
  }
  async down(): Promise<void> {
    throw new Error('the probe schema is dropped whole');
  }
}

/** A double-entry ledger's guarantees, enforced by PostgreSQL whatever code writes to it. */
describe('double-entry ledger (real PostgreSQL)', () => {
  const schema = testSchemaName('double_entry');
  let db: DataSource;
  let ledger: DoubleEntryLedger;

  beforeAll(async () => {
    db = await openServiceDataSource({
      url: stackEnv().DATABASE_URL,
      schema,
      migrations: [CreateProbeLedger],
    });
    // One id per (kind, reference), as a real ledger derives it.
    const idOf = (kind: string, reference: string) =>
      createHash('sha256')
        .update(`${kind}:${reference}`)
        .digest('hex')
        .slice(0, 32)
        .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    ledger = new DoubleEntryLedger(schema, shape, { column: 'asset', value: 'TOK' }, idOf);
  });

  afterAll(async () => {
    await db?.destroy();
    await dropSchema(schema);
  });

  const post = (reference: string, postings: Array<{ account: string; amount: bigint }>) =>
    db.transaction((tx) => ledger.post(tx, { kind: 'test', reference, occurredAt: new Date(), postings }));

  it('keeps balances from the postings, and posts a repeated transaction once', async () => {
    expect(await post('mint-1', transfer('platform:mint', 'holder:a', 100n))).toBeDefined();
    expect(await post('mint-1', transfer('platform:mint', 'holder:a', 100n))).toBeUndefined();
    const balances = await ledger.balancesOf(db, ['holder:a', 'platform:mint', 'holder:none']);
    expect(Object.fromEntries(balances)).toEqual({
      'holder:a': 100n,
      'platform:mint': -100n,
      'holder:none': 0n,
    });
    expect((await ledger.historyOf(db, 'holder:a', 10)).map((t) => t.reference)).toEqual(['mint-1']);
  });

  it.each<[string, Array<{ account: string; amount: bigint }>, RegExp]>([
    ['an unbalanced transaction', [{ account: 'holder:a', amount: 5n }], /does not balance/],
    ['a holder going negative', transfer('holder:a', 'holder:b', 101n), /would go negative/],
  ])('refuses %s, leaving nothing behind', async (_name, postings, error) => {
    await expect(post(`bad-${randomUUID()}`, postings)).rejects.toThrow(error);
    expect((await ledger.balancesOf(db, ['holder:a'])).get('holder:a')).toBe(100n);
  });

  it('refuses to change or delete what was recorded', async () => {
    await expect(db.query(`UPDATE ${ledger.tables.postings} SET amount_units = 1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query(`DELETE FROM ${ledger.tables.transactions}`)).rejects.toThrow(/append-only/);
  });
});
