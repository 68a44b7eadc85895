/**
 * What benchmarks may use of billing (`bench/billing`): its configuration, the invoice issuer and the money rules
 * the benchmark recomputes charges with.
 */
export { billingConfigSchema } from './config/billing.config';
export { InvoiceService } from './invoices/invoice.service';
export { chargeMicros, supplierShareMicros } from './domain/money-rules';
