/** Injection token of the validated configuration object of the running service. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
/** Injection token of the service's name (`billing`, `matching`, ...). */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

/** Where Kafka is and the service's client id (`KafkaEndpoint`), for the clients built on `@platformatic/kafka`. */
export const KAFKA_ENDPOINT = Symbol('KAFKA_ENDPOINT');
