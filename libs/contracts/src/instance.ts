/**
 * Which Gridex exchange a process belongs to. Several exchanges can share one Kafka, one PostgreSQL and one
 * Kubernetes API (a peer network in the same stack, a test or benchmark of its own): `GRIDEX_INSTANCE` names
 * the exchange, and everything it keeps on the shared components carries the name — topics
 * (`gridex-<instance>.<domain>.<event>.v<N>`), consumer groups, database schemas, namespaces, the cluster id.
 * Unset (the default exchange), every name is what it always was (`gridex.<domain>.<event>.v<N>`).
 *
 * It is read once, from the environment, when this module loads: every topic name of a process then agrees,
 * whichever code path (service, test, benchmark) builds it.
 */
export const INSTANCE_PATTERN = /^[a-z][a-z0-9]{0,11}$/;

export class InvalidInstanceError extends Error {
  constructor(value: string) {
    super(
      `GRIDEX_INSTANCE must be 1 to 12 lower-case letters and digits, starting with a letter (got "${value}")`,
    );
    this.name = 'InvalidInstanceError';
  }
}

/** The instance a value names ('' for the default exchange); throws, naming GRIDEX_INSTANCE, when malformed. */
export function parseInstance(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (!INSTANCE_PATTERN.test(value)) throw new InvalidInstanceError(value);
  return value;
}

/** This process's instance ('' for the default exchange). */
export const GRIDEX_INSTANCE = parseInstance(process.env.GRIDEX_INSTANCE);

/** The first segment of an instance's topic names. */
export function topicPrefix(instance: string): string {
  return instance === '' ? 'gridex' : `gridex-${parseInstance(instance)}`;
}

/** A topic of any instance as another instance names it (`gridex-a.billing.x.v1` → `gridex-b.billing.x.v1`). */
export function topicForInstance(topic: string, instance: string): string {
  const dot = topic.indexOf('.');
  const head = topic.slice(0, dot);
  if (dot < 0 || !(head === 'gridex' || head.startsWith('gridex-'))) {
    throw new RangeError(`"${topic}" is not a Gridex topic`);
  }
  return `${topicPrefix(instance)}${topic.slice(dot)}`;
}

/** A name that must not collide between instances (schema, group, namespace), for this instance. */
export function instanceScoped(name: string, separator: '-' | '_', instance = GRIDEX_INSTANCE): string {
  return instance === '' ? name : `${instance}${separator}${name}`;
}
