import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Clock ticks per second of the times in /proc (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time the whole machine has been busy so far, in ms: every state of /proc/stat but idle and iowait. */
export function machineBusyMs(): number {
  const [total] = readFileSync('/proc/stat', 'utf8').split('\n');
  const [, user, nice, system, , , irq, softirq, steal] = total.trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SECOND;
}

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
export function processCpuMs(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may contain spaces; the fields after it start with the state, utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** What a process of the local stack is, from its program (argv[0]'s base name) and its whole command line. */
const STACK_COMPONENTS: ReadonlyArray<[string, (program: string, commandLine: string) => boolean]> = [
  ['postgres', (program) => program.startsWith('postgres')],
  ['kafka', (program, commandLine) => program === 'java' && commandLine.includes('kafka.Kafka')],
  ...['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'etcd', 'kwok'].map(
    (name): [string, (program: string) => boolean] => [name, (program) => program === name],
  ),
];

/**
 * CPU ms used so far by every process on the machine, grouped: the given pids by their names (the services and
 * this benchmark), the stack's processes by component, the rest as `other`. Processes that ended are not counted.
 */
export function cpuByComponent(named: ReadonlyMap<number, string>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let component = named.get(Number(entry));
    if (!component) {
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      const program = path.basename(argv[0] ?? '');
      const commandLine = argv.join(' ');
      component = STACK_COMPONENTS.find(([, matches]) => matches(program, commandLine))?.[0] ?? 'other';
    }
    totals.set(component, (totals.get(component) ?? 0) + processCpuMs(entry));
  }
  return totals;
}

/** `after − before`, per component, as cores busy over `windowMs`. */
export function coresBusy(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  windowMs: number,
): Record<string, number> {
  const cores = [...after].map(
    ([component, ms]) => [component, (ms - (before.get(component) ?? 0)) / windowMs] as const,
  );
  return Object.fromEntries(
    cores
      .filter(([, busy]) => busy >= 0.005)
      .sort((a, b) => b[1] - a[1])
      .map(([component, busy]) => [component, Math.round(busy * 100) / 100]),
  );
}
