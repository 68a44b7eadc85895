#!/usr/bin/env node
/**
 * `gridex`: the Gridex API from a terminal, over the SDK. Reads GRIDEX_API_URL and GRIDEX_API_KEY (falling back
 * to `.stack/env`, which `npm start` writes, for the operator key). Prints JSON; a problem prints its code and
 * detail on stderr and exits 1; a usage mistake exits 2.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Interconnect, onboardingCommands } from '@gridex/gpu-node-pool';
import { GridexApiError, GridexClient } from '@gridex/sdk';
import { jobSpecFrom, parseArgs, ParsedArgs, UsageError } from './cli-args';

const USAGE = `usage: gridex <command> [options]

  me                                         who the key is
  tenants create --name N --kind client|supplier [--supplier-kind K] [--region R]      (operator)
  keys create --tenant ID --role operator|client|supplier|finance                       (operator)
  fleet | clusters | dlq                                                                (operator)
  quote   [--file spec.json] --image I --gpus N [--nodes N] [--gpu-products A,B] [--regions R]
          [--max-price 2.50] [--duration S] [--interruptible] [--retries N] [--run-for 30s]
  jobs submit [same options as quote] | jobs list | jobs get ID | jobs cancel ID | jobs wait ID
  offers [--gpuProduct P] [--region R] [--sort price|perf-per-dollar|reliability]
  balance | credits add AMOUNT [--payment-method pm_test_visa] | usage [--job ID]
  invoices list | invoices get ID [--csv]
  supplier show | supplier nodes | supplier offer POOL --price P [--interruptible-price P] [--min-lease S]
  supplier stake NODE AMOUNT | supplier unstake NODE AMOUNT | supplier rewards | supplier earnings
  supplier payout [--amount USD] [--tokens T]
  supplier onboard NODE... --pool P --region R --interconnect nvlink|infiniband|pcie [--supplier ID]
          prints the kubectl lines that label and taint your nodes (docs/supplier-onboarding.md)
  finance ledger [--from ISO] [--to ISO] | finance trial-balance

environment: GRIDEX_API_URL (default http://127.0.0.1:8080), GRIDEX_API_KEY`;

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

function required(args: ParsedArgs, index: number, what: string): string {
  const word = args.words[index];
  if (!word) throw new UsageError(`missing ${what}`);
  return word;
}

function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** Commands that take a verb (`jobs list`); the others are one word (`balance`). */
const GROUPS = new Set(['tenants', 'keys', 'jobs', 'credits', 'invoices', 'supplier', 'finance']);

async function run(client: GridexClient, args: ParsedArgs): Promise<unknown> {
  const [command, verb] = args.words;
  const spec = () =>
    jobSpecFrom(
      args.flags,
      flag(args, 'file') ? JSON.parse(readFileSync(flag(args, 'file') as string, 'utf8')) : undefined,
    );
  switch (GROUPS.has(command) ? `${command} ${verb ?? ''}` : command) {
    case 'me':
      return client.me();
    case 'tenants create':
      return client.createTenant({
        name: flag(args, 'name') ?? '',
        kind: (flag(args, 'kind') ?? 'client') as 'client' | 'supplier',
        ...(flag(args, 'supplier-kind') ? { supplierKind: flag(args, 'supplier-kind') as 'datacenter' } : {}),
        ...(flag(args, 'region') ? { region: flag(args, 'region') } : {}),
      });
    case 'keys create':
      return client.createApiKey(flag(args, 'tenant') ?? '', (flag(args, 'role') ?? 'client') as 'client');
    case 'fleet':
      return client.fleet();
    case 'clusters':
      return client.clusters();
    case 'dlq':
      return client.deadLetters();
    case 'quote':
      return client.quote(spec() as never);
    case 'jobs submit':
      return client.submitJob(spec() as never);
    case 'jobs list':
      return client.jobs({ limit: Number(flag(args, 'limit') ?? 50), cursor: flag(args, 'cursor') });
    case 'jobs get':
      return client.job(required(args, 2, 'job id'));
    case 'jobs cancel':
      return client.cancelJob(required(args, 2, 'job id'));
    case 'jobs wait':
      return client.waitForJob(required(args, 2, 'job id'));
    case 'offers':
      return client.offers(Object.fromEntries(Object.entries(args.flags).map(([k, v]) => [k, String(v)])));
    case 'balance':
      return client.balance();
    case 'credits add':
      return client.addCredits(required(args, 2, 'amount'), flag(args, 'payment-method'));
    case 'usage':
      return client.usage({ jobId: flag(args, 'job') });
    case 'invoices list':
      return client.invoices({ tenantId: flag(args, 'tenant') });
    case 'invoices get':
      return args.flags.csv
        ? client.invoiceCsv(required(args, 2, 'invoice id'))
        : client.invoice(required(args, 2, 'invoice id'));
    case 'supplier show':
      return client.supplier();
    case 'supplier nodes':
      return client.supplierNodes();
    case 'supplier offer':
      return client.declareOffer(required(args, 2, 'pool'), {
        pricePerGpuHour: flag(args, 'price') ?? '',
        ...(flag(args, 'interruptible-price')
          ? { interruptiblePricePerGpuHour: flag(args, 'interruptible-price') }
          : {}),
        ...(flag(args, 'min-lease') ? { minLeaseSeconds: Number(flag(args, 'min-lease')) } : {}),
      });
    case 'supplier stake':
      return client.stake(required(args, 2, 'node id'), required(args, 3, 'amount'));
    case 'supplier unstake':
      return client.unstake(required(args, 2, 'node id'), required(args, 3, 'amount'));
    case 'supplier rewards':
      return client.rewards();
    case 'supplier earnings':
      return client.earnings();
    case 'supplier payout':
      return client.payout({ amount: flag(args, 'amount'), tokens: flag(args, 'tokens') });
    case 'finance ledger':
      return client.ledger({ from: flag(args, 'from'), to: flag(args, 'to') });
    case 'supplier onboard': {
      const supplier = flag(args, 'supplier') ?? (await client.me()).tenantId;
      try {
        return onboardingCommands({
          supplier,
          pool: flag(args, 'pool') ?? '',
          region: flag(args, 'region') ?? '',
          interconnect: (flag(args, 'interconnect') ?? '') as Interconnect,
          nodes: args.words.slice(2),
        }).join('\n');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    case 'finance trial-balance':
      return client.trialBalance();
    default:
      throw new UsageError(command ? `unknown command "${args.words.join(' ')}"` : 'no command');
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.flags.help || args.words[0] === 'help') {
    console.log(USAGE);
    return 0;
  }
  const stack = stackEnv();
  const apiKey = process.env.GRIDEX_API_KEY ?? stack.GRIDEX_OPERATOR_KEY;
  if (!apiKey) {
    console.error(
      'gridex: set GRIDEX_API_KEY to an API key (npm start writes the operator key to .stack/env)',
    );
    return 2;
  }
  const client = new GridexClient({
    baseUrl: process.env.GRIDEX_API_URL ?? stack.GRIDEX_API_URL ?? 'http://127.0.0.1:8080',
    apiKey,
  });
  try {
    const result = await run(client, args);
    console.log(typeof result === 'string' ? result : JSON.stringify(result, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`gridex: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof GridexApiError) {
      const fields = (error.problem.errors ?? []).map((e) => `\n  ${e.field}: ${e.message}`).join('');
      console.error(`gridex: ${error.status} ${error.code}: ${error.problem.detail}${fields}`);
      return 1;
    }
    console.error(`gridex: ${(error as Error).message}`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
