export * from './artifacts';
export * from './clients';
export * from './deploy';
export * from './chain-node';
export * from './compile';
export * from './chain-ids';
export * from './confirmed-logs';
