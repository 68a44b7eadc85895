export * from './metrics/service-metrics';
export * from './logging/correlation-context';
export * from './logging/json-logger';
