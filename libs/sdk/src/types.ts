/**
 * The API's shapes as the SDK returns them (the OpenAPI document at /openapi.json is the full reference).
 * Money is a decimal string of USD ("2.30"); tokens likewise ("1000.00").
 */
export type TenantKind = 'client' | 'supplier';
export type JobStatus = 'queued' | 'matched' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
  correlationId?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface JobSpec {
  name?: string;
  image: string;
  command?: string[];
  gpusPerNode: number;
  nodes?: number;
  gpuProducts?: string[];
  minGpuMemoryGb?: number;
  interconnect?: string;
  regions?: string[];
  maxPricePerGpuHour?: string;
  expectedDurationSeconds?: number;
  interruptible?: boolean;
  verifiedOnly?: boolean;
  retryBudget?: number;
  /** Where the job may run: `local`, `any` (default) or Gridex suppliers plus these network ids. */
  networks?: 'local' | 'any' | string[];
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** One offer's score for a job: weighted terms that add up to `total` (the higher wins). */
export interface ScoredOffer {
  node: string;
  region: string;
  supplier: string;
  network: string | null;
  pricePerGpuHour: string;
  score: {
    price: number;
    perfPerDollar: number;
    reliability: number;
    preferredRegion: number;
    loadSpread: number;
    packing: number;
    total: number;
  };
}

export interface Job {
  id: string;
  name: string | null;
  status: JobStatus;
  reason: string | null;
  pricePerGpuHour: string | null;
  allocation: {
    nodes: Array<{ cluster: string; node: string; gpus: number; network: string | null }>;
  } | null;
  /** Why the job landed where it did: the chosen offer's score term by term, and the runner-up's. */
  explanation: { chosen: ScoredOffer; runnerUp: ScoredOffer | null } | null;
  submittedAt: string;
  timeline: Array<{ at: string; event: string; detail?: string }>;
}

export interface Quote {
  feasible: boolean;
  reasons: string[];
  estimatedCost: string | null;
  offers: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

export interface Balance {
  available: string;
  held: string;
  [field: string]: unknown;
}

export interface TopUp {
  topUpId: string;
  amount: string;
  status: 'pending' | 'credited' | 'declined';
  reason: string | null;
}

export interface InvoiceSummary {
  invoiceId: string;
  tenantId: string;
  periodStart: string;
  periodEnd: string;
  lineCount: number;
  gpuSeconds: number;
  /** USD due: the lines paid with money. */
  total: string;
  /** USD value of the lines compute credits paid (prepaid, not due). */
  creditsApplied: string;
  issuedAt: string;
}

export interface Invoice extends InvoiceSummary {
  lines: Array<{
    lineNo: number;
    jobId: string;
    gpuProduct: string;
    gpuSeconds: number;
    unitPricePerGpuHour: string;
    amount: string;
    /** The compute credit that paid the line, when one did. */
    computeCreditId?: string;
  }>;
}

/** A block of GPU-hours of one GPU product at a locked price, as its holder sees it. */
export interface ComputeCredit {
  creditId: string;
  gpuProduct: string;
  supplierId: string;
  commitmentId: string;
  pricePerGpuHour: string;
  purchasedBy: string;
  purchasedGpuHours: string;
  balanceGpuHours: string;
  availableGpuHours: string;
  reservedGpuHours: string;
  value: string;
  expiresAt: string;
  status: 'active' | 'expired';
}

export interface ComputeCreditTransfer {
  transferId: string;
  creditId: string;
  fromTenantId: string;
  toTenantId: string;
  gpuHours: string;
  transferredAt: string;
}

/** GPU-hours of a credit taken out to a wallet as ERC-1155 tokens. */
export interface ComputeCreditWithdrawal {
  withdrawalId: string;
  creditId: string;
  address: string;
  gpuHours: string;
  state: 'pending' | 'submitted' | 'minted' | 'failed';
  transactionHash: string | null;
  failureReason: string | null;
  requestedAt: string;
}

/** GPU-hours a supplier committed, sold as compute credits. */
export interface CapacityCommitment {
  commitmentId: string;
  gpuProduct: string;
  gpuHours: string;
  gpuHoursSold: string;
  gpuHoursUsed: string;
  askPerGpuHour: string;
  creditPricePerGpuHour: string;
  availableUntil: string;
  createdAt: string;
}

export interface OfferTerms {
  pricePerGpuHour: string;
  interruptiblePricePerGpuHour?: string;
  minLeaseSeconds?: number;
  maxLeaseSeconds?: number;
  validUntil?: string;
}

export interface SupplierRewards {
  tokens: { available: string; bonded: string; unbonding: string; pendingPayout: string; paid: string };
  stakes: Array<{
    nodeId: string;
    staked: string;
    required: string;
    eligible: boolean;
    autoCompound: boolean;
  }>;
  unbondings: Array<{ nodeId: string; amount: string; releaseAt: string; withdrawn: boolean }>;
}

export interface Fleet {
  totals: {
    nodes: number;
    readyNodes: number;
    sellableNodes: number;
    verifiedNodes: number;
    gpus: number;
    freeGpus: number;
  };
  groups: Array<{ region: string; gpuProduct: string; nodes: number; gpus: number; freeGpus: number }>;
}

export type PayoutLegStatus = 'none' | 'requested' | 'submitted' | 'paid' | 'failed';

export interface SupplierPayout {
  payoutId: string;
  earnings: string;
  earningsStatus: PayoutLegStatus;
  providerReference: string | null;
  tokens: string;
  tokensStatus: PayoutLegStatus;
  transactionHash: string | null;
  failureReason: string | null;
  requestedAt: string;
  updatedAt: string;
}
