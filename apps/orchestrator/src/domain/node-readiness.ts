/**
 * When a node that stopped being Ready counts as lost, as a pure rule. Kubernetes marks a node NotReady (False)
 * or Unknown (its kubelet stopped reporting) but keeps it, and its pods keep their Running phase; work on it is
 * going nowhere. Past the grace period the node is lost exactly as if it had been deleted: its workloads fail as
 * `node-lost` (matching fails them over) and its supplier is charged a fault. A node that comes back Ready before
 * then changes nothing.
 */

/** The Ready condition of a node, as the API server shows it. */
export interface ReadyCondition {
  status?: string;
  lastTransitionTime?: Date | string;
}

/** Since when the node has not been Ready; undefined when it is Ready (or shows no condition yet). */
export function notReadySince(conditions: ReadonlyArray<ReadyCondition & { type?: string }> | undefined) {
  const ready = conditions?.find((condition) => condition.type === 'Ready');
  if (!ready || ready.status === 'True' || !ready.lastTransitionTime) return undefined;
  return new Date(ready.lastTransitionTime);
}

/** Whether a node not Ready since `since` is lost at `now`, after `graceMs` (0 turns the rule off). */
export function lostWhileNotReady(since: Date | undefined, now: Date, graceMs: number): boolean {
  return graceMs > 0 && since !== undefined && now.getTime() - since.getTime() >= graceMs;
}

/** How long until a node not Ready since `since` is lost (0: already); undefined when it never will be. */
export function untilLost(since: Date | undefined, now: Date, graceMs: number): number | undefined {
  if (graceMs <= 0 || since === undefined) return undefined;
  return Math.max(0, since.getTime() + graceMs - now.getTime());
}
