/**
 * The web console's weight and speed, in Debian's headless Chromium:
 *   - first load: the JavaScript the sign-in page loads, gzipped (target ≤ 300 KB);
 *   - the job list with 1,000 jobs: from opening the page to its rows on screen (target ≤ 1 s), against the same
 *     list with 10 jobs in the same run (the baseline: what the page costs before its size matters).
 *
 *   npm run bench:console -- [--rounds 7]
 *
 * The console is served from its build as the gateway serves it; the API is answered by the benchmark (a signed-in
 * client and its jobs, in the API's shapes), so the figures are the console's own, not the exchange's.
 * Writes bench/results/console.json.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import type { Job } from '@gridex/sdk';
import { ConsoleFiles } from '@gridex/gateway/benchmark';
import { launchChromium } from '@gridex/testing/browser';
import { percentile } from '../shared/measure';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const ROUNDS = Number(args.rounds);

function job(index: number): Job {
  const at = new Date(Date.UTC(2026, 11, 7, 9, 0, index)).toISOString();
  return {
    id: `0193a5b2-0000-7000-8000-${String(index).padStart(12, '0')}`,
    name: `job-${index}`,
    status: index % 3 === 0 ? 'succeeded' : 'running',
    reason: null,
    pricePerGpuHour: '2.40',
    allocation: { nodes: [{ cluster: 'local', node: `h100-${index % 50}`, gpus: 1, network: null }] },
    explanation: null,
    submittedAt: at,
    startedAt: at,
    finishedAt: index % 3 === 0 ? at : null,
    timeline: [],
  } as unknown as Job;
}

/** The console's files as the gateway serves them: assets by name, the page for every other path. */
async function serveConsole(): Promise<{ url: string; close(): void }> {
  const files = new ConsoleFiles(path.resolve(__dirname, '..', '..', 'dist', 'apps', 'console'));
  if (!files.built) throw new Error('the console is not built: npm run build');
  const server = createServer((request, response) => {
    const url = (request.url ?? '/').split('?')[0];
    const asset = url.startsWith('/console/assets/')
      ? files.asset(url.slice('/console/assets/'.length))
      : undefined;
    if (asset) {
      response.writeHead(200, { 'content-type': asset.contentType }).end(asset.body);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(files.index());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** Answers the API for a client with `count` jobs (pages of 200, as the gateway pages them). */
async function answerApi(page: Page, count: number): Promise<void> {
  const jobs = Array.from({ length: count }, (_, i) => job(i));
  await page.route('**/v1/**', async (route) => {
    const url = new URL(route.request().url());
    const json = (body: unknown) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    if (url.pathname === '/v1/me')
      return json({ keyId: 'k1', tenantId: '0193a5b2-aaaa-7000-8000-000000000001', role: 'client' });
    if (url.pathname === '/v1/jobs') {
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const next = from + limit < jobs.length ? String(from + limit) : null;
      return json({ items: jobs.slice(from, from + limit), nextCursor: next });
    }
    return json({ items: [] });
  });
}

/** Milliseconds from opening the job list to its first rows on screen with every job loaded, `ROUNDS` times. */
async function timeJobList(page: Page, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await page.getByRole('link', { name: 'Offers' }).click();
    await page.getByRole('heading', { name: 'Offers' }).waitFor();
    const started = performance.now();
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.locator(`[role=list][data-count="${count}"] [role=listitem]`).first().waitFor();
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  const site = await serveConsole();
  const browser = await launchChromium();
  try {
    // First load: every script the sign-in page pulls in, at its gzip size (what a server sends compressed).
    const first = await browser.newPage();
    const scripts: Buffer[] = [];
    first.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        void response.body().then((body) => scripts.push(body));
    });
    await first.goto(`${site.url}/console/`);
    await first.getByLabel('API key').waitFor();
    await first.waitForLoadState('networkidle');
    const firstLoadGzipKb = scripts.reduce((sum, body) => sum + gzipSync(body).length, 0) / 1024;
    await first.close();

    const rendered: Record<string, number[]> = {};
    for (const count of [10, 1000]) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await answerApi(page, count);
      await page.goto(`${site.url}/console/`);
      await page.getByLabel('API key').fill('gdx_client_bench');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      rendered[count] = await timeJobList(page, count);
      await page.close();
    }
    const median = (values: number[]) => Number(percentile(values, 0.5).toFixed(1));
    const result = {
      rounds: ROUNDS,
      firstLoadScripts: scripts.length,
      firstLoadJsGzipKb: Number(firstLoadGzipKb.toFixed(1)),
      jobList10MedianMs: median(rendered[10]),
      jobList1000MedianMs: median(rendered[1000]),
      jobList1000MaxMs: Number(Math.max(...rendered[1000]).toFixed(1)),
      ratio1000To10: Number((median(rendered[1000]) / median(rendered[10])).toFixed(2)),
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'console.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `first load: ${result.firstLoadScripts} script(s), ${result.firstLoadJsGzipKb} KB of JavaScript gzipped (target ≤ 300)`,
    );
    console.log(
      `job list: 1,000 jobs on screen in ${result.jobList1000MedianMs} ms median (max ${result.jobList1000MaxMs}; target ≤ 1,000), ` +
        `10 jobs in ${result.jobList10MedianMs} ms: ratio ${result.ratio1000To10}`,
    );
    console.log(`written to ${path.relative(process.cwd(), outFile)}`);
  } finally {
    await browser.close();
    site.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
