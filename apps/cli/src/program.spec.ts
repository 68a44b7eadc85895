import { CommanderError } from 'commander';
import type { GridexClient } from '@gridex/sdk';
import { buildProgram, JobOutcomeError, WaitTimeoutError } from './program';

/** The CLI over a fake client: what it called, what it printed. */
function cli(client: Partial<Record<keyof GridexClient, unknown>> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: Array<[string, unknown[]]> = [];
  const fake = new Proxy(client, {
    get: (target, name: string) =>
      (target as Record<string, unknown>)[name] ??
      ((...args: unknown[]) => {
        calls.push([name, args]);
        return Promise.resolve({ called: name });
      }),
  }) as unknown as GridexClient;
  const program = buildProgram({
    client: () => fake,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    stdoutIsTty: false,
  });
  const run = (...argv: string[]) => program.parseAsync(argv, { from: 'user' });
  return { run, out, err, calls };
}

describe('the gridex command line', () => {
  it('submits a job with the command after -- as an argv array, printing JSON when piped', async () => {
    const c = cli();
    await c.run(
      'jobs',
      'submit',
      '--image',
      'registry.gridex.io/a/b:1',
      '--gpus',
      '1',
      '--',
      'python',
      'train.py',
      '--lr',
      '3e-4',
    );
    expect(c.calls).toEqual([
      [
        'submitJob',
        [
          {
            image: 'registry.gridex.io/a/b:1',
            gpusPerNode: 1,
            command: ['python', 'train.py', '--lr', '3e-4'],
          },
        ],
      ],
    ]);
    expect(JSON.parse(c.out.join('\n'))).toEqual({ called: 'submitJob' });
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown option', ['jobs', 'list', '--colour', 'red'], /unknown option '--colour'/],
    ['an unknown command', ['jobs', 'frobnicate'], /unknown command 'frobnicate'/],
    ['a missing argument', ['jobs', 'get'], /missing required argument 'job'/],
    [
      'a value not among the choices',
      ['offers', '--sort', 'cheapest'],
      /Allowed choices are price, perf-per-dollar, reliability/,
    ],
  ])('refuses %s with the reason, as a usage error', async (_name, argv, message) => {
    const c = cli();
    const error = await c.run(...argv).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).not.toBe(0);
    expect(c.err.join('\n')).toMatch(message);
    expect(c.calls).toEqual([]);
  });

  it('has help for every command, and lists the exit codes', async () => {
    const c = cli();
    await expect(c.run('jobs', 'logs', '--help')).rejects.toMatchObject({ exitCode: 0 });
    expect(c.out.join('\n')).toMatch(/--follow/);
    const top = cli();
    await expect(top.run('--help')).rejects.toMatchObject({ exitCode: 0 });
    expect(top.out.join('\n')).toMatch(/3 {2}jobs wait\/watch: the job ended without succeeding/);
  });

  it('passes log options through, and follows when asked', async () => {
    const followed: unknown[] = [];
    const c = cli({
      jobLogs: async (...args: unknown[]) => {
        followed.push(['jobLogs', ...args]);
        return 'a\nb\n';
      },
      followJobLogs: async function* (...args: unknown[]) {
        followed.push(['followJobLogs', ...args]);
        yield 'x';
        yield 'y';
      },
    });
    await c.run('jobs', 'logs', 'job-1', '--tail', '5', '--timestamps');
    await c.run('jobs', 'logs', 'job-1', '-f', '--node', 'n1');
    expect(followed).toEqual([
      ['jobLogs', 'job-1', { tail: 5, timestamps: 'true' }],
      ['followJobLogs', 'job-1', { node: 'n1' }],
    ]);
    expect(c.out).toEqual(['a\nb', 'x', 'y']);
  });

  const stream = (...statuses: string[]) =>
    async function* () {
      for (const [index, status] of statuses.entries()) {
        yield { type: 'timeline', event: { index, at: `t${index}`, event: status, status } };
      }
      yield { type: 'end', end: { status: statuses.at(-1), reason: null } };
    };

  it.each<[string, string, unknown]>([
    ['succeeded', 'succeeded', undefined],
    ['failed', 'failed', JobOutcomeError],
    ['cancelled', 'cancelled', JobOutcomeError],
  ])('waits on the event stream: a job that %s', async (_name, status, thrown) => {
    const c = cli({
      jobEvents: stream('submitted', 'running', status),
      job: async () => ({ id: 'job-1', status, reason: null }),
    });
    const result = c.run('jobs', 'watch', 'job-1');
    if (thrown) await expect(result).rejects.toBeInstanceOf(thrown);
    else await result;
    // Progress on stderr, one line per change; the result alone on stdout.
    expect(c.err).toEqual(['t0  submitted', 't1  running', `t2  ${status}`]);
  });

  it('gives up on --timeout with its own error', async () => {
    const c = cli({
      jobEvents: async function* (_id: string, options: { signal: AbortSignal }) {
        await new Promise((_, reject) =>
          options.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
        yield undefined as never;
      },
      job: async () => ({ id: 'job-1', status: 'running', reason: null }),
    });
    await expect(c.run('jobs', 'wait', 'job-1', '--timeout', '0')).rejects.toBeInstanceOf(WaitTimeoutError);
  });
});
