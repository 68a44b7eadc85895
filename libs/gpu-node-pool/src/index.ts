export * from './gpu-node-pool';
