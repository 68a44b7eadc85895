/**
 * Reading a contract's events exactly once, only once they are deep enough: the shared rules of every watcher
 * (rewards' vault deposits, billing's credit redemptions). A watcher keeps a one-row cursor table
 * `(singleton, genesis_hash, scanned_block, updated_at)` and, in one database transaction per pass, locks it,
 * reads the window below, records what it found (each event by transaction hash and log index, so a re-read
 * records nothing twice) and moves the cursor. A block is read only once it has `confirmations` blocks on top,
 * so a reorganisation shallower than that never shows a watcher an event that then vanishes.
 */

/** Blocks read per pass at most (a watcher far behind catches up over several passes). */
export const BLOCKS_PER_PASS = 5_000n;

/** The blocks to read next, or undefined when none is confirmed beyond the cursor yet. */
export function confirmedWindow(
  head: bigint,
  confirmations: bigint,
  scannedBlock: bigint,
  maxBlocks = BLOCKS_PER_PASS,
): { fromBlock: bigint; toBlock: bigint } | undefined {
  const confirmedUpTo = head - confirmations + 1n;
  if (confirmedUpTo <= scannedBlock) return undefined;
  const toBlock = confirmedUpTo < scannedBlock + maxBlocks ? confirmedUpTo : scannedBlock + maxBlocks;
  return { fromBlock: scannedBlock + 1n, toBlock };
}

type Query = (sql: string, parameters?: unknown[]) => Promise<unknown>;

/** The cursor table a watcher keeps, as its migration creates it (one row: the genesis and the last block read). */
export function chainCursorTableSql(table: string): string {
  return `
      CREATE TABLE ${table} (
        singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
        genesis_hash  text        NOT NULL,
        scanned_block bigint      NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`;
}

/**
 * Locks the cursor row (creating it at `startBlock` on first use) and returns the last block read. A chain whose
 * genesis block is not the one read before (a local chain restarted) is read again from the start, and
 * `onReset` is told.
 */
export async function lockChainCursor(
  query: Query,
  table: string,
  genesisHash: string,
  startBlock: bigint,
  onReset: (previousGenesis: string) => void,
): Promise<bigint> {
  // Block 0 is the genesis: nothing to read there.
  const readFrom = startBlock > 1n ? startBlock : 1n;
  await query(
    `INSERT INTO ${table} (singleton, genesis_hash, scanned_block) VALUES (true, $1, $2) ON CONFLICT DO NOTHING`,
    [genesisHash, String(readFrom - 1n)],
  );
  const [cursor] = (await query(`SELECT genesis_hash, scanned_block FROM ${table} FOR UPDATE`)) as Array<{
    genesis_hash: string;
    scanned_block: string;
  }>;
  if (cursor.genesis_hash === genesisHash) return BigInt(cursor.scanned_block);
  onReset(cursor.genesis_hash);
  await query(`UPDATE ${table} SET genesis_hash = $1, scanned_block = $2`, [
    genesisHash,
    String(readFrom - 1n),
  ]);
  return readFrom - 1n;
}

/** Moves the cursor to the last block a pass read. */
export async function advanceChainCursor(query: Query, table: string, scannedBlock: bigint): Promise<void> {
  await query(`UPDATE ${table} SET scanned_block = $1, updated_at = now()`, [String(scannedBlock)]);
}
