export * from './gridex-client';
export * from './types';
