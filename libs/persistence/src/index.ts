export * from './service-data-source';
export * from './double-entry';
