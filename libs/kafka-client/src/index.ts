export * from './kafka-clients';
export * from './topic-provisioning';
export * from './group-offsets';
