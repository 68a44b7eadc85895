/**
 * Uptime accounting per epoch. A node is online while it is Ready, not removed and verified. Each change is
 * applied at `effectiveAt(observedAt, openEpochStart, now)`: observations about the past of a closed epoch are
 * carried to the start of the open epoch (a closed epoch never changes), and observations from the future are
 * applied now (clocks disagree).
 */
export function effectiveAt(observedAt: Date, openEpochStart: Date, now: Date): Date {
  const at = Math.min(Math.max(observedAt.getTime(), openEpochStart.getTime()), now.getTime());
  return new Date(Math.max(at, openEpochStart.getTime()));
}

export interface NodeUptime {
  online: boolean;
  /** When the current online stretch began (within the open epoch), if online. */
  onlineSince?: Date;
  /** Milliseconds online in the open epoch before `onlineSince`. */
  accruedMs: number;
}

/** The node's uptime after it turns online or offline at `at`. */
export function changeState(uptime: NodeUptime, online: boolean, at: Date): NodeUptime {
  if (uptime.online === online) return uptime;
  if (online) return { online: true, onlineSince: at, accruedMs: uptime.accruedMs };
  const since = uptime.onlineSince?.getTime() ?? at.getTime();
  return { online: false, accruedMs: uptime.accruedMs + Math.max(0, at.getTime() - since) };
}

/** Milliseconds online in an epoch that ends at `epochEnd`, and the uptime the next epoch starts with. */
export function closeEpoch(uptime: NodeUptime, epochEnd: Date): { onlineMs: number; next: NodeUptime } {
  const running = uptime.online
    ? Math.max(0, epochEnd.getTime() - (uptime.onlineSince?.getTime() ?? epochEnd.getTime()))
    : 0;
  return {
    onlineMs: uptime.accruedMs + running,
    next: { online: uptime.online, onlineSince: uptime.online ? epochEnd : undefined, accruedMs: 0 },
  };
}
