export * from './group-offsets';
