import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { openServiceDataSource, qualified } from '@gridex/persistence';
import { dropSchema, stackEnv, testSchemaName } from '@gridex/testing';
import { placeHold, Posting, topUp } from '../domain/ledger';
import { CreateLedger1764332000000 } from './migrations';

/** The ledger's guarantees are enforced by PostgreSQL itself, whatever code writes to it. */
describe('ledger tables (real PostgreSQL)', () => {
  const schema = testSchemaName('ledger');
  let db: DataSource;
  const table = (name: string) => qualified(schema, name);

  beforeAll(async () => {
    db = await openServiceDataSource({
      url: stackEnv().DATABASE_URL,
      schema,
      migrations: [CreateLedger1764332000000],
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await dropSchema(schema);
  });

  const post = (
    postings: Array<Pick<Posting, 'account'> & { amountMicros: bigint }>,
    reference = randomUUID(),
  ) =>
    db.transaction(async (tx) => {
      const id = randomUUID();
      await tx.query(
        `INSERT INTO ${table('ledger_transactions')} (transaction_id, kind, currency, reference, occurred_at)
         VALUES ($1, 'test', 'USD', $2, now())`,
        [id, reference],
      );
      for (const { account, amountMicros } of postings) {
        await tx.query(
          `INSERT INTO ${table('ledger_postings')} (transaction_id, account, amount_micros) VALUES ($1, $2, $3)`,
          [id, account, amountMicros.toString()],
        );
      }
      return id;
    });

  it('records balanced transactions', async () => {
    await post(topUp('acme', 10_000_000n));
    await post(placeHold('acme', 4_000_000n));
    const [{ total }] = await db.query(
      `SELECT sum(amount_micros)::text AS total FROM ${table('ledger_postings')}`,
    );
    expect(total).toBe('0');
  });

  it('refuses, at commit, a transaction whose postings do not sum to zero', async () => {
    await expect(
      post([
        { account: 'tenant:acme:available', amountMicros: 5n },
        { account: 'platform:revenue', amountMicros: -4n },
      ]),
    ).rejects.toThrow(/does not balance: postings sum to 1/);
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
