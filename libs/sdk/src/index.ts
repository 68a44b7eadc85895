export * from './gridex-client';
export * from './api-types';
