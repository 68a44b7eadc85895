import { KubeRest } from '@gridex/stack/benchmark';

/**
 * Requests the API server has served so far, by verb and resource (`PUT leases`, `PATCH nodes/status`, ...).
 * WATCH and CONNECT count streams opened, not work done; readers leave them out where they count work.
 */
export async function apiserverRequests(rest: KubeRest): Promise<Map<string, number>> {
  const { status, body } = await rest.call<string>('GET', '/metrics');
  if (status !== 200 || typeof body !== 'string') throw new Error(`GET /metrics answered ${status}`);
  const totals = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, value] as const),
    );
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    totals.set(key, (totals.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return totals;
}

export const WRITE_VERBS: ReadonlySet<string> = new Set([
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'DELETECOLLECTION',
  'APPLY',
]);

/** `after − before` per second of `windowMs`, largest first, with the writes among them summed. */
export function requestRates(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  windowMs: number,
): { writesPerSecond: number; byVerbAndResource: Record<string, number> } {
  const rates = [...after]
    .map(([key, count]) => [key, ((count - (before.get(key) ?? 0)) * 1000) / windowMs] as const)
    .filter(([, rate]) => rate >= 0.01)
    .sort((a, b) => b[1] - a[1]);
  const writes = rates
    .filter(([key]) => WRITE_VERBS.has(key.split(' ')[0]))
    .reduce((sum, [, rate]) => sum + rate, 0);
  return {
    writesPerSecond: Math.round(writes * 100) / 100,
    byVerbAndResource: Object.fromEntries(rates.map(([key, rate]) => [key, Math.round(rate * 100) / 100])),
  };
}
