import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling one request or event carries. */
export interface CorrelationContext {
  correlationId: string;
  /** The event or request being handled, when there is one. */
  causationId?: string;
  tenantId?: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** Runs `work` with a correlation context; logs written inside it (including awaited work) carry its ids. */
export function withCorrelation<T>(context: CorrelationContext, work: () => T): T {
  return storage.run(context, work);
}

/** The correlation context of the current request or event, if any. */
export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
