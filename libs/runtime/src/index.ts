export * from './config/service-config';
export * from './service/service-tokens';
export * from './service/event-handler.decorator';
export * from './service/gridex-service.module';
export * from './service/run-service';
export * from './service/periodic-task';
export * from './service/token-bucket';
export * from './http/problem-details';
export { CORRELATION_HEADER } from './http/correlation.middleware';
