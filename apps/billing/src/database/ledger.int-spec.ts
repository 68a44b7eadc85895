import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { openServiceDataSource, qualified } from '@gridex/persistence';
import { dropSchema, stackEnv, testSchemaName } from '@gridex/testing';
import { placeHold, Posting, tenantPayer, topUp } from '../domain/ledger';
import { CreateLedger1764332000000, LedgerChecksPerStatement1764910000000 } from './migrations';

/** The ledger's guarantees are enforced by PostgreSQL itself, whatever code writes to it. */
describe('ledger tables (real PostgreSQL)', () => {
  const schema = testSchemaName('ledger');
  let db: DataSource;
  const table = (name: string) => qualified(schema, name);

  beforeAll(async () => {
    db = await openServiceDataSource({
      url: stackEnv().DATABASE_URL,
      schema,
      migrations: [CreateLedger1764332000000, LedgerChecksPerStatement1764910000000],
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await dropSchema(schema);
  });

  type Amount = Pick<Posting, 'account'> & { amountMicros: bigint };

  /** Inserts a transaction and its postings, `statements` holding the postings each INSERT writes. */
  const postIn = (statements: Amount[][], reference: string = randomUUID()) =>
    db.transaction(async (tx) => {
      const id = randomUUID();
      await tx.query(
        `INSERT INTO ${table('ledger_transactions')} (transaction_id, kind, currency, reference, occurred_at)
         VALUES ($1, 'test', 'USD', $2, now())`,
        [id, reference],
      );
      for (const postings of statements) {
        await tx.query(
          `INSERT INTO ${table('ledger_postings')} (transaction_id, account, amount_micros)
           SELECT $1, * FROM unnest($2::text[], $3::bigint[])`,
          [id, postings.map((p) => p.account), postings.map((p) => p.amountMicros.toString())],
        );
      }
      return id;
    });
  const post = (postings: Amount[], reference?: string) => postIn([postings], reference);

  it('records balanced transactions', async () => {
    await post(topUp('acme', 10_000_000n));
    await post(placeHold(tenantPayer('acme'), 4_000_000n));
    const [{ total }] = await db.query(
      `SELECT sum(amount_micros)::text AS total FROM ${table('ledger_postings')}`,
    );
    expect(total).toBe('0');
  });

  it.each([
    {
      case: 'postings that do not sum to zero',
      statements: [
        [
          { account: 'tenant:acme:available', amountMicros: 5n },
          { account: 'platform:revenue', amountMicros: -4n },
        ],
      ],
      sum: 1,
    },
    {
      case: 'a transaction split over statements, each unbalanced',
      statements: [
        [{ account: 'tenant:acme:available', amountMicros: 5n }],
        [{ account: 'platform:revenue', amountMicros: -5n }],
      ],
      sum: 5,
    },
  ])('refuses $case', async ({ statements, sum }) => {
    await expect(postIn(statements)).rejects.toThrow(
      new RegExp(`does not balance: postings sum to ${sum}\\b`),
    );
  });

  it('refuses postings of a transaction that was never recorded', async () => {
    const missing = randomUUID();
    await expect(
      db.query(
        `INSERT INTO ${table('ledger_postings')} (transaction_id, account, amount_micros)
         VALUES ($1, 'tenant:acme:available', 5), ($1, 'platform:revenue', -5)`,
        [missing],
      ),
    ).rejects.toThrow(new RegExp(`postings name transaction ${missing}, which does not exist`));
  });

  it('refuses zero postings and a second transaction for the same reference', async () => {
    await expect(post([{ account: 'a', amountMicros: 0n }])).rejects.toThrow(/check constraint/);
    const reference = randomUUID();
    await post(topUp('acme', 1n), reference);
    await expect(post(topUp('acme', 1n), reference)).rejects.toThrow(/duplicate key/);
  });

  it('is append-only: no update, no delete', async () => {
    await expect(
      db.query(`UPDATE ${table('ledger_postings')} SET amount_micros = amount_micros + 1`),
    ).rejects.toThrow(/append-only: UPDATE on ledger_postings refused/);
    await expect(db.query(`DELETE FROM ${table('ledger_transactions')}`)).rejects.toThrow(
      /append-only: DELETE/,
    );
  });
});
