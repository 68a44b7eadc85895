import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually, ExchangeUnderTest, Tenant, testInstance } from '@gridex/testing';
import { accessibilityViolations, launchChromium } from '@gridex/testing/browser';

/**
 * The web console in a real headless Chromium (Debian's), against a running exchange: the six services on an
 * instance of their own, simulated H100 nodes, and the console as the gateway serves it. What people do in it:
 * a client finds an offer, submits a job, watches it run and end, opens its invoice; the supplier sees the node
 * it earned on, its utilisation and its rewards per epoch; another tenant cannot open the job's page. Each page
 * is checked with axe-core.
 *
 * Screenshots of the main pages go to CONSOLE_SCREENSHOTS (default .stack/console-screenshots; docs/console
 * holds the committed ones).
 */
const H100 = 'NVIDIA-H100-80GB-HBM3';
const SHOTS = path.resolve(
  process.env.CONSOLE_SCREENSHOTS ?? path.join(__dirname, '..', '..', '..', '.stack', 'console-screenshots'),
);

describe('the web console in a real browser', () => {
  const run = testInstance('c');
  const region = `eu-${run}`;
  const operatorKey = `gdx_operator_${'c'.repeat(40)}`;
  const exchange = new ExchangeUnderTest(run, {
    operatorKey,
    instance: run,
    env: {
      billing: {
        BILLING_INVOICE_PERIOD: 'minute',
        BILLING_INVOICE_CHECK_SECONDS: '1',
        BILLING_ACCRUAL_INTERVAL_SECONDS: '2',
      },
      rewards: {
        REWARDS_GENESIS: new Date().toISOString(),
        REWARDS_EPOCH_SECONDS: '5',
        REWARDS_EPOCH_CHECK_SECONDS: '1',
      },
      matching: { MATCHING_QUEUE_INTERVAL_MS: '250' },
      orchestrator: { STOP_GRACE_SECONDS: '1', LOG_POLL_SECONDS: '1' },
    },
  });
  let browser: Browser;
  let supplier: Tenant;
  let client: Tenant;
  let jobId: string;

  const consoleUrl = (at = '') => `${exchange.gatewayUrl}/console/${at}`;
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  /** A fresh page signed in with `key` (each tenant its own browser context: no shared state). */
  async function signedIn(key: string, at = ''): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(consoleUrl(at));
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return page;
  }

  async function expectAccessible(page: Page): Promise<void> {
    const serious = (await accessibilityViolations(page)).filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(serious).toEqual([]);
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await exchange.start();
    supplier = await exchange.supplier('Nordic Racks', 'datacenter', region);
    await exchange.addPool(supplier, { pool: 'h100', region, gpuProduct: H100, gpusPerNode: 8, count: 1 });
    await supplier.api.declareOffer('h100', {
      pricePerGpuHour: '2.40',
      interruptiblePricePerGpuHour: '1.20',
    });
    await exchange.untilSellable(supplier);
    client = await exchange.client('Acme Vision', '200.00');
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await exchange.stop([supplier].filter(Boolean));
  });

  it('shows what the API says when it refuses a key', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(consoleUrl());
    await expectAccessible(page);
    await shot(page, 'sign-in');
    await page.getByLabel('API key').fill('gdx_client_not-a-real-key-at-all-0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/AUTH\./);
    // The key is in no storage a script could read later.
    const stored = await page.evaluate(
      '[Object.keys(localStorage).length, Object.keys(sessionStorage).length, document.cookie]',
    );
    expect(stored).toEqual([0, 0, '']);
    await page.context().close();
  });

  it('lets a client find an H100 offer, submit a job, watch it run and succeed, and open its invoice', async () => {
    const page = await signedIn(client.key);
    await page.getByRole('link', { name: 'Offers' }).click();
    await page.getByLabel('GPU model').fill(H100);
    await page.getByLabel('Region').fill(region);
    await page.getByRole('button', { name: 'Search' }).click();
    const offer = page.getByTestId('offer').filter({ hasText: H100 }).first();
    await offer.waitFor();
    // The client's price (the supplier's ask plus the exchange's fee), as the API quotes it.
    const [listed] = (await client.api.offers({ gpuProduct: H100, region })).items;
    await expect(offer.textContent()).resolves.toContain(`$${listed.pricePerGpuHour}`);
    await expectAccessible(page);
    await shot(page, 'offers');

    await offer.getByRole('button', { name: 'Rent' }).click();
    await expect(page.getByLabel('GPU models').inputValue()).resolves.toBe(H100);
    // The form refuses what the API would, before anything is sent.
    await page.getByLabel('GPUs per node *').fill('17');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect(page.locator('#job-gpusPerNode-error').textContent()).resolves.toMatch(/at most 16/);
    await page.getByLabel('Name').fill('console-train');
    await page.getByLabel('Container image *').fill('registry.gridex.io/e2e/worker:1');
    await page.getByLabel('GPUs per node *').fill('1');
    await page.getByLabel('Max price per GPU-hour (USD) *').fill('5.00');
    await page.getByLabel('Expected duration (seconds) *').fill('600');
    await page.getByLabel('Annotations').fill('pod-complete.stage.kwok.x-k8s.io/delay=4s');
    await page.getByRole('button', { name: 'Quote' }).click();
    await expect(page.getByRole('region', { name: 'Quote' }).textContent()).resolves.toMatch(
      /Estimated cost: \$/,
    );
    await expectAccessible(page);
    await shot(page, 'new-job');

    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/\/console\/jobs\/job-[0-9a-f-]+$/);
    jobId = page.url().split('/').pop() as string;
    const status = page.getByTestId('job-status');
    await expect(status.getByText('running').waitFor({ timeout: 90_000 })).resolves.toBeUndefined();
    await expect(status.getByText('succeeded').waitFor({ timeout: 90_000 })).resolves.toBeUndefined();
    await expect(page.getByRole('list', { name: 'Timeline' }).textContent()).resolves.toMatch(/matched/i);
    await expectAccessible(page);
    await shot(page, 'job');

    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('link', { name: 'console-train' }).waitFor();
    await shot(page, 'jobs');

    // Billing invoices per minute here: the job's invoice comes once its minute has closed.
    const invoice = page.getByTestId('invoice').first();
    await eventually(
      async () => {
        // Opening the page again asks the API again (the key lives in the page, so no reload).
        await page.getByRole('link', { name: 'Jobs', exact: true }).click();
        await page.getByRole('link', { name: 'Billing' }).click();
        await page.getByRole('table', { name: 'Invoices' }).waitFor();
        await invoice.waitFor({ timeout: 3000 });
      },
      150_000,
      1000,
    );
    await expectAccessible(page);
    await shot(page, 'billing');
    await invoice.getByRole('link').click();
    const line = page.getByTestId('invoice-line').filter({ hasText: jobId });
    await line.waitFor();
    const shown = await client.api.invoice(page.url().split('/').pop() as string);
    expect(shown.lines.map((l) => l.jobId)).toContain(jobId);
    await expect(page.getByTestId('invoice-total').textContent()).resolves.toBe(`$${shown.total}`);
    await expectAccessible(page);
    await shot(page, 'invoice');
    await page.context().close();
  }, 420_000);

  it('shows the supplier the node it earned on', async () => {
    const page = await signedIn(supplier.key);
    const node = page.getByTestId('supplier-node').filter({ hasText: H100 });
    // Earnings follow the job's settlement (the API's figure, to the micro-dollar): open the page until it shows.
    const { total, gpuSeconds } = await supplier.api.earnings();
    expect(Number(total)).toBeGreaterThan(0);
    // The hours of the utilisation chart hold every GPU-second the supplier has sold.
    const { hours } = await supplier.api.activity();
    expect(hours.reduce((sum, hour) => sum + hour.gpuSeconds, 0)).toBe(gpuSeconds);
    await eventually(
      async () => {
        await page.getByRole('link', { name: 'Offers' }).click();
        await page.getByRole('link', { name: 'My nodes' }).click();
        await node.waitFor();
        expect(await page.getByTestId('earnings-total').textContent()).toBe(`$${total}`);
        // Epochs close every 5 s here; the hour the job settled in shows as utilisation.
        expect(await page.getByTestId('epoch').count()).toBeGreaterThan(0);
        await page.getByRole('img', { name: /% of GPUs sold per hour/ }).waitFor({ timeout: 1000 });
      },
      60_000,
      1000,
    );
    await expect(node.textContent()).resolves.toMatch(/verified/);
    await expectAccessible(page);
    await shot(page, 'supplier');
    await page.context().close();
  });

  it("does not open one tenant's job page to another (404, as the API says)", async () => {
    const other = await exchange.client('Globex');
    const page = await signedIn(other.key, `jobs/${jobId}`);
    await page.getByRole('heading', { name: 'Job not found' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/JOB\.NOT_FOUND/);
    await expect(page.content()).resolves.not.toContain('console-train');
    await page.context().close();
  });

  it('shows operators the fleet by region and GPU model', async () => {
    const page = await signedIn(operatorKey);
    await page.getByRole('link', { name: 'Operations' }).click();
    const fleet = page.getByRole('table', { name: 'Fleet by region and GPU model' });
    await fleet.getByRole('rowheader', { name: region }).waitFor();
    await expectAccessible(page);
    await shot(page, 'operations');
    await page.context().close();
  });

  it('can be used from the keyboard alone to fill and submit the job form', async () => {
    const page = await signedIn(client.key, 'jobs/new');
    await page.getByLabel('Name').focus();
    await page.keyboard.type('keyboard-job');
    await page.keyboard.press('Tab');
    await page.keyboard.type('registry.gridex.io/e2e/worker:1');
    // Command, GPU models, GPUs per node: Tab moves through the fields in reading order.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type(H100);
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('job-gpusPerNode');
    // Nodes, min GPU memory, regions, then the price.
    for (let i = 0; i < 4; i += 1) await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('job-maxPricePerGpuHour');
    await page.keyboard.type('5.00');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/jobs\/job-[0-9a-f-]+$/);
    await page.getByTestId('job-status').waitFor();
    await page.context().close();
  });
});
