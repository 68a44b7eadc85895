#!/usr/bin/env node
/**
 * `gridex`: the Gridex API from a terminal, over the SDK (commander parses the command line: help per command,
 * unknown options refused). Reads GRIDEX_API_URL and GRIDEX_API_KEY (falling back to `.stack/env`, which
 * `npm start` writes, for the local operator key). The result goes to stdout (a table on a terminal, JSON when
 * piped, or `--output`); problems and progress to stderr; the exit code says what happened (`gridex --help`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommanderError } from 'commander';
import { GridexApiError, GridexClient } from '@gridex/sdk';
import { UsageError } from './job-spec-options';
import { render } from './output';
import { buildProgram, EXIT, JobOutcomeError, jobSummary, WaitTimeoutError } from './program';

function stackEnv(): Record<string, string> {
  try {
    const file = path.resolve(__dirname, '..', '..', '..', '..', '.stack', 'env');
    return Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[2]]),
    );
  } catch {
    return {};
  }
}

async function main(argv: string[]): Promise<number> {
  const stack = stackEnv();
  let client: GridexClient | undefined;
  const io = {
    out: (text: string) => process.stdout.write(`${text}\n`),
    err: (text: string) => process.stderr.write(`${text}\n`),
    stdoutIsTty: process.stdout.isTTY === true,
    client: () => {
      client ??= new GridexClient({
        baseUrl: process.env.GRIDEX_API_URL ?? stack.GRIDEX_API_URL ?? 'http://127.0.0.1:8080',
        apiKey: process.env.GRIDEX_API_KEY ?? stack.GRIDEX_OPERATOR_KEY,
      });
      return client;
    },
  };
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has printed what was wrong otherwise.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.err(`gridex: ${error.message}\n(run with --help for usage)`);
      return EXIT.usage;
    }
    if (error instanceof GridexApiError) {
      const fields = (error.problem.errors ?? []).map((e) => `\n  ${e.field}: ${e.message}`).join('');
      io.err(`gridex: ${error.status} ${error.code}: ${error.problem.detail}${fields}`);
      return EXIT.refused;
    }
    if (error instanceof JobOutcomeError) {
      const format = (program.opts().output as 'table' | 'json') ?? (io.stdoutIsTty ? 'table' : 'json');
      io.out(
        render(format === 'table' && 'timeline' in error.job ? jobSummary(error.job) : error.job, format),
      );
      io.err(`gridex: ${error.message}`);
      return EXIT.jobDidNotSucceed;
    }
    if (error instanceof WaitTimeoutError) {
      io.err(`gridex: ${error.message}`);
      return EXIT.timedOut;
    }
    io.err(`gridex: ${(error as Error).message}`);
    return EXIT.refused;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
