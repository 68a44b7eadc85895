import type { operations, paths } from './generated/api';

/**
 * The API's shapes, named, all derived from the generated types (`generated/api.ts`, from the gateway's OpenAPI
 * document): nothing here is written by hand, so nothing can drift from the server. Money is a decimal string of
 * USD ("2.30"); tokens likewise ("1000.00").
 */
export type { operations, paths };

export type OperationId = keyof operations;

type JsonOf<T> = T extends { content: { 'application/json': infer Body } }
  ? Body
  : // A stream of server-sent events: the JSON of each event's data.
    T extends { content: { 'text/event-stream': infer Event } }
    ? Event
    : never;
type SuccessOf<R> = R[Extract<keyof R, 200 | 201 | 202>];

/** The JSON body an operation answers with on success. */
export type ResponseOf<Id extends OperationId> = JsonOf<SuccessOf<operations[Id]['responses']>>;
/** The JSON body an operation takes. */
export type RequestOf<Id extends OperationId> = JsonOf<NonNullable<operations[Id]['requestBody']>>;
/** The query parameters an operation takes. */
export type QueryOf<Id extends OperationId> = NonNullable<operations[Id]['parameters']['query']>;

type ProblemOf<T> = T extends { content: { 'application/problem+json': infer Body } } ? Body : never;

/** An error answer (RFC 9457 problem details) with its stable code. */
export type Problem = ProblemOf<operations['getJob']['responses'][404]>;

export type Job = ResponseOf<'getJob'>;
export type JobStatus = Job['status'];
export type JobSpec = RequestOf<'submitJob'>;
export type JobAccepted = ResponseOf<'submitJob'>;
export type ScoredOffer = NonNullable<Job['explanation']>['chosen'];
export type Quote = ResponseOf<'quoteJob'>;
export type Offer = ResponseOf<'searchOffers'>['items'][number];
export type Balance = ResponseOf<'getBalance'>;
export type TopUp = ResponseOf<'addCredits'>;
export type InvoiceSummary = ResponseOf<'listInvoices'>['items'][number];
export type Invoice = ResponseOf<'getInvoice'>;
export type ComputeCredit = ResponseOf<'getComputeCredit'>;
export type ComputeCreditTransfer = ResponseOf<'transferComputeCredit'>;
export type ComputeCreditWithdrawal = ResponseOf<'withdrawComputeCredit'>;
export type CapacityCommitment = ResponseOf<'createCommitment'>;
export type OfferTerms = RequestOf<'declareOffer'>;
export type SupplierRewards = ResponseOf<'getRewards'>;
export type SupplierPayout = ResponseOf<'requestPayout'>;
export type Fleet = ResponseOf<'getFleet'>;
export type TenantKind = RequestOf<'createTenant'>['kind'];

/** A page of a list: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
