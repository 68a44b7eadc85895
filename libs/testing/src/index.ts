export * from './stack-env';
export * from './real-stack';
