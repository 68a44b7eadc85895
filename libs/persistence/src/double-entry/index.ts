export * from './postings';
export * from './double-entry-schema';
export * from './double-entry-ledger';
