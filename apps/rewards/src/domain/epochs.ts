/** Epoch arithmetic: epoch n covers [genesis + n × length, genesis + (n + 1) × length). */
export interface EpochCalendar {
  genesis: Date;
  lengthMs: number;
}

export function epochAt(calendar: EpochCalendar, at: Date): number {
  return Math.max(0, Math.floor((at.getTime() - calendar.genesis.getTime()) / calendar.lengthMs));
}

export function epochBounds(calendar: EpochCalendar, epoch: number): { start: Date; end: Date } {
  const start = calendar.genesis.getTime() + epoch * calendar.lengthMs;
  return { start: new Date(start), end: new Date(start + calendar.lengthMs) };
}
