import { createHash, randomBytes } from 'node:crypto';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// Random bytes are drawn from the system 4 KiB at a time: one call per 256 ids instead of one per id
// (services mint an id per event, and the per-call cost showed in the billing benchmark's profile).
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = POOL_SIZE;

function randomChunk(): Buffer {
  if (poolOffset + 16 > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  poolOffset += 16;
  return pool.subarray(poolOffset - 16, poolOffset);
}

/**
 * A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits.
 * Event ids are v7 so that ids sort by creation time, which keeps inbox and outbox indexes append-mostly.
 *
 * @param nowMs the timestamp to embed; defaults to the current time (tests pass a fixed one)
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = Buffer.from(randomChunk());
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}

/**
 * A name-based UUID (RFC 9562 version 5, SHA-1): the same namespace and parts always give the same id.
 * Used wherever a retried or redelivered command must produce the same identity (a reservation for a job
 * attempt, a settlement for a workload), so that a second attempt collides with the first instead of
 * creating a twin.
 *
 * @param namespace a UUID naming the kind of thing being identified (see {@link IdNamespaces})
 * @param parts the values that identify one instance; joined with a separator that cannot occur in them
 */
export function deterministicUuid(namespace: string, ...parts: Array<string | number>): string {
  if (!UUID_PATTERN.test(namespace)) {
    throw new Error(`deterministicUuid: namespace must be a UUID, got "${namespace}"`);
  }
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(parts.map(String).join('\u001f'))
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}

/** The millisecond timestamp embedded in a version-7 UUID. */
export function uuidv7Timestamp(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

/** Namespaces for {@link deterministicUuid}; never change a value once it has been used. */
export const IdNamespaces = {
  /** Reservations: one per (job, matching attempt). */
  reservation: '6f1c9a52-5b7e-4a0e-9a53-0a6f6d0c2a11',
  /** Settlements: one per (job, reservation). */
  settlement: '2b8e4f7a-9c3d-4e51-8f2a-7d1c0b9e6a22',
  /** Workloads: one per (job, reservation). */
  workload: 'c4d2a8e1-3f6b-4c9d-a7e0-5b1f2d8c9a33',
  /** Verifications: one per (node, sequence number of its verification). */
  verification: '3a9f1c7e-6d2b-4e8a-9c5f-0b7d4e2a1c55',
  /** Nodes: one per (cluster, Kubernetes node name). */
  node: '9e7b3c1d-2a4f-4e8b-b6c5-1d0a9f8e7b44',
  /** Ledger transactions: one per (kind, reference), so a repeated posting is recognised, never doubled. */
  ledgerTransaction: 'd1e5b7c3-8a2f-4b6d-9e0c-7f3a1b5d9c66',
  /** Credit top-ups: one per (tenant, idempotency key). */
  topUp: 'a7c3e9b1-4d2f-4a8e-b5c7-2e9f1d3b7a77',
  /** Invoices: one per (tenant, period start). */
  invoice: 'e2b8d4f6-1c7a-4e3b-8d9f-6a2c4e8b1d88',
  /** Supplier faults: one per (cluster, node, reservation that suffered it). */
  supplierFault: '4b8e2d6f-9a1c-4f3e-b5d7-2e6a8c4f1b22',
  /** Slashes: one per reported fault (the reporting event). */
  slash: 'f3c9e5a7-2d8b-4f4c-9e1a-7b3d5f9c2e99',
  /** Payouts: one per (supplier, idempotency key). */
  payout: '0b4d8f2a-6e1c-4a5d-8f3b-9c7e1a5d3faa',
  /** Unbondings: one per (node, unstake time). */
  unbonding: '1c5e9a3b-7f2d-4b6e-9a4c-0d8f2b6e4abb',
  /** Token ledger transactions: one per (kind, reference). */
  tokenTransaction: '5d2a7c9e-3b8f-4e1a-a6d4-8c0b3e7f5acc',
  /** Capacity commitments: one per (supplier, idempotency key). */
  capacityCommitment: '8e3b1f6d-4a9c-4d2e-b7f5-1c6a9e3d7bdd',
  /** Compute credits: one per (buying tenant, idempotency key). */
  computeCredit: '2f7c4a1e-9b3d-4e6f-8a2c-5d1b7f4e9cee',
  /** Compute credit transfers: one per (sending tenant, idempotency key). */
  computeCreditTransfer: '6a1d8e4b-2c7f-4b3a-9d5e-3f8c1a6b2dff',
  /** Compute credit withdrawals to a wallet: one per (tenant, idempotency key); the contract's mint id. */
  computeCreditWithdrawal: '9c2e5b8a-1d4f-4a7c-8e3b-6f9a2c5d8b11',
} as const;
