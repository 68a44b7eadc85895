export * from './circuit-breaker';
export * from './network-adapter';
export * from './network-config';
export * from './network-registry';
export * from './adapters/gridex-peer.adapter';
