export * from './stack-env';
export * from './real-stack';
export * from './service-process';
export * from './kubernetes';
export * from './fixtures';
export * from './exchange-under-test';
export * from './test-instances';
