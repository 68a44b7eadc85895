import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  CapacityChanged,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
  JobCancelledPayload,
  JobMatched,
  JobSubmittedPayload,
  NodeObserved,
  Topics,
  uuidv7,
  WorkloadFinished,
  WorkloadStarted,
} from '@gridex/contracts';
import { MessagePublisher } from '@gridex/kafka-client';
import {
  capacityChange,
  dropSchema,
  eventually,
  launchService,
  LaunchedService,
  publishEvents,
  queryStack,
  testKafka,
  TopicRecorder,
  untilReady,
  testPublisher,
} from '@gridex/testing';
import { GridexApiError, GridexClient } from '@gridex/sdk';

/**
 * The gateway's own API through HTTP on the built service and the real PostgreSQL: authentication, roles,
 * tenants and keys, idempotency, validation as problem+json, rate limits, and the OpenAPI document against
 * what the server answers.
 */
describe('gateway: keys, roles, idempotency and problems over HTTP', () => {
  const operatorKey = `gdx_operator_${'k'.repeat(40)}`;
  const kafka = testKafka();
  let gateway: LaunchedService;
  let billing: LaunchedService;
  let matching: LaunchedService;
  let inventory: LaunchedService;
  let rewards: LaunchedService;
  let supplierRegistered: TopicRecorder;
  let offerDeclared: TopicRecorder;
  /** The client whose job the job test runs to completion; its usage is invoiced. */
  let invoicedClient: { tenantId: string; key: string; jobId: string } | undefined;
  let producer: MessagePublisher;
  let submitted: TopicRecorder;
  let cancelled: TopicRecorder;

  const call = async (path: string, key: string | undefined, init: RequestInit = {}) => {
    const response = await fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(init.headers ?? {}),
      },
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & {
        errors?: Array<{ field: string }>;
      },
    };
  };
  const post = (path: string, key: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
    call(path, key, { method: 'POST', body: JSON.stringify(body), headers });
  /** An operator call that waits out the operator key's rate limit (tests share the key, and some burst). */
  const operatorPost = async (path: string, body: unknown) => {
    for (;;) {
      const answer = await post(path, operatorKey, body);
      if (answer.status !== 429) return answer;
      await new Promise((resolve) =>
        setTimeout(resolve, Number(answer.headers.get('retry-after') ?? 1) * 1000),
      );
    }
  };
  const tenantWithKey = async (kind: 'client' | 'supplier', role: string = kind) => {
    const tenant = await operatorPost('/v1/tenants', { name: `acme ${uuidv7()}`, kind });
    const key = await operatorPost(`/v1/tenants/${tenant.body.id}/api-keys`, { role });
    if (tenant.status !== 201 || key.status !== 201)
      throw new Error(`no ${kind} tenant: ${JSON.stringify(key.body)}`);
    return { tenantId: tenant.body.id as string, key: key.body.key as string };
  };

  beforeAll(async () => {
    producer = testPublisher(kafka);
    [submitted, cancelled] = await Promise.all(
      [Topics.jobSubmitted, Topics.jobCancelled].map((topic) => TopicRecorder.start(kafka, topic)),
    );
    [supplierRegistered, offerDeclared] = await Promise.all(
      [Topics.supplierRegistered, Topics.offerDeclared].map((topic) => TopicRecorder.start(kafka, topic)),
    );
    // Invoices per minute, so the job test's usage is invoiced within the test; no chain, so compute credits
    // cannot leave for a wallet.
    billing = await launchService('billing', {
      LOG_LEVEL: 'warn',
      BILLING_CHAIN_ENABLED: 'false',
      BILLING_INVOICE_PERIOD: 'minute',
      BILLING_INVOICE_CHECK_SECONDS: '1',
    });
    matching = await launchService('matching', { LOG_LEVEL: 'warn' });
    inventory = await launchService('inventory', { LOG_LEVEL: 'warn' });
    rewards = await launchService('rewards', { LOG_LEVEL: 'warn', REWARDS_UNSTAKE_COOLDOWN_SECONDS: '0' });
    gateway = await launchService('gateway', {
      GRIDEX_OPERATOR_KEY: operatorKey,
      GATEWAY_KDF_COST: '12',
      GATEWAY_RATE_LIMIT_PER_SECOND: '20',
      GATEWAY_RATE_LIMIT_BURST: '20',
      GATEWAY_ANONYMOUS_RATE_LIMIT_PER_SECOND: '1',
      GATEWAY_ANONYMOUS_RATE_LIMIT_BURST: '3',
      GATEWAY_BILLING_URL: billing.url,
      GATEWAY_INVENTORY_URL: inventory.url,
      GATEWAY_REWARDS_URL: rewards.url,
      LOG_LEVEL: 'warn',
    });
    await Promise.all([gateway, billing, matching, inventory, rewards].map((service) => untilReady(service)));
  });

  afterAll(async () => {
    await gateway?.process.kill();
    await billing?.process.kill();
    await matching?.process.kill();
    await inventory?.process.kill();
    await rewards?.process.kill();
    if (rewards) await dropSchema(rewards.schema);
    if (inventory) await dropSchema(inventory.schema);
    if (billing) await dropSchema(billing.schema);
    if (matching) await dropSchema(matching.schema);
    await Promise.all([submitted, cancelled, supplierRegistered, offerDeclared].map((r) => r?.stop()));
    await producer?.close();
    if (gateway) await dropSchema(gateway.schema);
  });

  it.each<[string, string | undefined, number, string]>([
    ['no key', undefined, 401, 'AUTH.UNAUTHENTICATED'],
    ['a malformed key', 'not-a-key', 401, 'AUTH.UNAUTHENTICATED'],
    [
      'a well-formed key nobody issued',
      `gdx_${'a'.repeat(16)}_${'b'.repeat(43)}`,
      401,
      'AUTH.UNAUTHENTICATED',
    ],
  ])('refuses %s with 401 problem+json', async (_name, key, status, code) => {
    const response = await call('/v1/me', key);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ code, status });
  });

  it('lets the operator create tenants and keys; a key is shown once and stored only as a hash', async () => {
    const { tenantId, key } = await tenantWithKey('client');
    expect(key).toMatch(/^gdx_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect((await call('/v1/me', key)).body).toMatchObject({ tenantId, role: 'client' });
    const rows = await queryStack<{ secret_hash: Buffer; salt: Buffer }>(
      `SELECT secret_hash, salt FROM "${gateway.schema}".api_keys WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(rows).toHaveLength(1);
    const secret = key.split('_').slice(2).join('_');
    expect(rows[0].secret_hash.toString('base64url')).not.toContain(secret);
    expect((await call(`/v1/tenants/${tenantId}`, operatorKey)).body).toMatchObject({
      id: tenantId,
      kind: 'client',
    });
    // A tenant may be given its id (a supplier whose nodes already carry it); ids are unique.
    const chosen = `rack-${uuidv7().slice(-12)}`;
    const named = await post('/v1/tenants', operatorKey, { id: chosen, name: 'Racks', kind: 'supplier' });
    expect([named.status, named.body.id]).toEqual([201, chosen]);
    const again = await post('/v1/tenants', operatorKey, { id: chosen, name: 'Racks', kind: 'supplier' });
    expect([again.status, again.body.code]).toEqual([409, 'TENANT.EXISTS']);
    expect(
      (await post('/v1/tenants', operatorKey, { id: 'Not_Valid', name: 'x', kind: 'client' })).status,
    ).toBe(400);
  });

  it('signs tenants up by themselves, pending until an operator approves them; a supplier reaches inventory then', async () => {
    const signed = await post('/v1/signup', undefined, { name: 'Self-Serve AI', kind: 'client' });
    expect(signed).toMatchObject({ status: 201, body: { tenant: { kind: 'client', status: 'pending' } } });
    const { key } = signed.body as { key: string };
    const tenantId = (signed.body.tenant as { id: string }).id;
    // Its key says who it is, and nothing else works until approval.
    expect((await call('/v1/me', key)).body).toMatchObject({ tenantId, role: 'client', status: 'pending' });
    expect((await call('/v1/balance', key)).body).toMatchObject({
      status: 403,
      code: 'AUTH.PENDING_APPROVAL',
    });
    expect((await post(`/v1/tenants/${tenantId}/approve`, key, {})).status).toBe(403);
    const approved = await post(`/v1/tenants/${tenantId}/approve`, operatorKey, {});
    expect(approved).toMatchObject({ status: 200, body: { id: tenantId, status: 'active' } });
    expect((await post(`/v1/tenants/${tenantId}/approve`, operatorKey, {})).body).toMatchObject({
      status: 'active',
    });
    expect((await call('/v1/balance', key)).status).toBe(200);
    // A supplier is announced to inventory when approved, with the kind and region it signed up with.
    const supplier = await post('/v1/signup', undefined, {
      name: 'Garage Rigs',
      kind: 'supplier',
      supplierKind: 'individual',
      region: 'eu-west',
    });
    const supplierId = (supplier.body.tenant as { id: string }).id;
    await post(`/v1/tenants/${supplierId}/approve`, operatorKey, {});
    const registered = await supplierRegistered.waitFor<
      EventEnvelope<{ supplierId: string; region: string }>
    >((e) => e.payload.supplierId === supplierId);
    expect(registered.payload).toMatchObject({ kind: 'individual', region: 'eu-west' });
    // Bad sign-ups are refused field by field; nobody may choose an id or sign up as the platform.
    const bad = await post('/v1/signup', undefined, { name: '', kind: 'operator', id: 'gridex' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['body', 'kind', 'name']);
  });

  it("lets the operator set a tenant's fair share, announced to matching, and refuses bad ones", async () => {
    const { tenantId, key } = await tenantWithKey('client');
    const shares = await TopicRecorder.start(kafka, Topics.tenantShareSet);
    const put = (path: string, who: string, body: unknown) =>
      call(path, who, { method: 'PUT', body: JSON.stringify(body) });
    const set = await put(`/v1/tenants/${tenantId}/share`, operatorKey, { weight: 3 });
    expect(set).toMatchObject({ status: 200, body: { tenantId, weight: 3 } });
    const event = await shares.waitFor<EventEnvelope<{ tenantId: string; weight: number }>>(
      (e) => e.payload.tenantId === tenantId,
    );
    expect(event.payload.weight).toBe(3);
    await shares.stop();
    expect((await put(`/v1/tenants/${tenantId}/share`, operatorKey, { weight: 0 })).body).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: 'weight' })],
    });
    expect((await put('/v1/tenants/t-nobody/share', operatorKey, { weight: 2 })).body).toMatchObject({
      status: 404,
      code: 'TENANT.NOT_FOUND',
    });
    expect((await put(`/v1/tenants/${tenantId}/share`, key, { weight: 9 })).status).toBe(403);
  });

  it('answers 403 for a key without the role, and refuses roles a tenant may not have', async () => {
    const { tenantId, key } = await tenantWithKey('client');
    const forbidden = await post('/v1/tenants', key, { name: 'x', kind: 'client' });
    expect(forbidden).toMatchObject({ status: 403, body: { code: 'AUTH.FORBIDDEN' } });
    const wrongRole = await post(`/v1/tenants/${tenantId}/api-keys`, operatorKey, { role: 'supplier' });
    expect(wrongRole).toMatchObject({ status: 422, body: { code: 'TENANT.ROLE_NOT_ALLOWED' } });
    expect((await call('/v1/tenants/t-nobody', operatorKey)).status).toBe(404);
  });

  it('validates bodies field by field, refusing unknown fields', async () => {
    const response = await post('/v1/tenants', operatorKey, { name: '', kind: 'miner', extra: true });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('REQUEST.INVALID');
    expect(response.body.errors?.map((e) => e.field).sort()).toEqual(['body', 'kind', 'name']);
  });

  it('answers bad input with a 4xx problem naming the field or the limit, never a 500', async () => {
    const { key } = await tenantWithKey('client');
    const job = {
      image: 'registry.gridex.io/acme/train:1',
      gpusPerNode: 1,
      gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
      maxPricePerGpuHour: '2.50',
      expectedDurationSeconds: 60,
    };
    const cases: Array<[string, Promise<Awaited<ReturnType<typeof call>>>, number, string, string]> = [
      [
        'a money string that is not a decimal',
        post('/v1/credits', key, { amount: '0*' }),
        400,
        'REQUEST.INVALID',
        'amount',
      ],
      [
        'a price that is not a decimal',
        post('/v1/quotes', key, { ...job, maxPricePerGpuHour: '1e3' }),
        400,
        'REQUEST.INVALID',
        'maxPricePerGpuHour',
      ],
      [
        'half a megabyte of job',
        post('/v1/jobs', key, { ...job, command: ['x'.repeat(500_000)] }),
        413,
        'REQUEST.TOO_LARGE',
        'body',
      ],
      [
        'half a megabyte of quote',
        post('/v1/quotes', key, { ...job, annotations: { a: 'y'.repeat(500_000) } }),
        413,
        'REQUEST.TOO_LARGE',
        'body',
      ],
      [
        'a body that is not JSON',
        call('/v1/jobs', key, { method: 'POST', body: '{"image": ' }),
        400,
        'REQUEST.MALFORMED',
        'body',
      ],
    ];
    for (const [name, answer, status, code, field] of cases) {
      const response = await answer;
      expect({ name, status: response.status, code: response.body.code }).toEqual({ name, status, code });
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body.errors?.map((e) => e.field)).toContain(field);
    }
    const tooLarge = await post('/v1/jobs', key, { ...job, command: ['x'.repeat(500_000)] });
    expect(tooLarge.body.detail).toMatch(/larger than the limit of \d+ bytes/);

    // An image from a registry the exchange does not allow is refused at once, on submission and in quotes.
    for (const path of ['/v1/jobs', '/v1/quotes']) {
      const refused = await post(path, key, { ...job, image: 'evil.example.com/miner:latest' });
      expect(refused).toMatchObject({
        status: 422,
        body: {
          code: 'JOB.IMAGE_NOT_ALLOWED',
          detail: 'image registry evil.example.com is not allowed (allowed: registry.gridex.io)',
          errors: [{ field: 'image', message: 'must come from registry.gridex.io' }],
        },
      });
    }
  });

  it('replays the first answer to a retried POST, and refuses the same key with another body', async () => {
    const headers = { 'idempotency-key': `create-${uuidv7()}` };
    const first = await post('/v1/tenants', operatorKey, { name: 'Initech', kind: 'client' }, headers);
    const retry = await post('/v1/tenants', operatorKey, { name: 'Initech', kind: 'client' }, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const [{ n }] = await queryStack<{ n: string }>(
      `SELECT count(*)::text AS n FROM "${gateway.schema}".tenants WHERE name = 'Initech'`,
    );
    expect(n).toBe('1');
    const conflicting = await post('/v1/tenants', operatorKey, { name: 'Initrode', kind: 'client' }, headers);
    expect(conflicting).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY.KEY_REUSED' } });
  });

  it('replays byte for byte, lets a retry take over a claim that crashed, and lets an expired key start afresh', async () => {
    const raw = async (
      name: string,
      key: string,
    ): Promise<{ status: number; replayed: string | null; text: string }> => {
      const response = await fetch(`${gateway.url}/v1/tenants`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${operatorKey}`,
          'idempotency-key': key,
        },
        body: JSON.stringify({ name, kind: 'client' }),
      });
      if (response.status === 429) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return raw(name, key);
      }
      return {
        status: response.status,
        replayed: response.headers.get('idempotent-replayed'),
        text: await response.text(),
      };
    };
    const record = (key: string, set: string) =>
      queryStack(`UPDATE "${gateway.schema}".idempotency_records SET ${set} WHERE idempotency_key = $1`, [
        key,
      ]);

    const key = `bytes-${uuidv7()}`;
    const first = await raw('Hooli', key);
    const again = await raw('Hooli', key);
    expect([again.status, again.replayed, again.text]).toEqual([first.status, 'true', first.text]);

    // A claim still running: 409. The same claim after its lease lapsed without an answer (the process died
    // mid-way): the retry runs.
    await record(key, `status = 0, response_body = NULL, lease_until = now() + interval '1 hour'`);
    expect((await raw('Hooli', key)).status).toBe(409);
    await record(key, `lease_until = now() - interval '1 second'`);
    const takenOver = await raw('Hooli', key);
    expect([takenOver.status, takenOver.replayed]).toEqual([201, null]);
    expect(JSON.parse(takenOver.text).id).not.toBe(JSON.parse(first.text).id);
    expect((await raw('Hooli', key)).text).toBe(takenOver.text);

    // Past its time to live (24 h by default) the key is free again, even for another body.
    await record(key, `created_at = now() - interval '25 hours'`);
    const fresh = await raw('Hooli Labs', key);
    expect([fresh.status, fresh.replayed, JSON.parse(fresh.text).name]).toEqual([201, null, 'Hooli Labs']);
  });

  it('limits each key to its rate: 429 with Retry-After, other keys unaffected', async () => {
    const { key } = await tenantWithKey('supplier');
    await call('/v1/me', key); // pays the slow hash once
    const answers = await Promise.all(Array.from({ length: 40 }, () => call('/v1/me', key)));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited[0].body).toMatchObject({ code: 'AUTH.RATE_LIMITED' });
    expect((await call('/v1/me', operatorKey)).status).toBe(200);
  });

  it('serves an OpenAPI 3.1 document that matches what the server answers, and interactive docs', async () => {
    const doc = (await call('/openapi.json', undefined)).body as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/v1/balance',
        '/v1/credits',
        '/v1/credits/{topUpId}',
        '/v1/compute-credits',
        '/v1/compute-credits/offers',
        '/v1/compute-credits/{creditId}',
        '/v1/compute-credits/{creditId}/transfers',
        '/v1/compute-credits/{creditId}/withdrawals',
        '/v1/networks',
        '/v1/jobs',
        '/v1/jobs/{jobId}',
        '/v1/jobs/{jobId}/cancel',
        '/v1/jobs/{jobId}/events',
        '/v1/jobs/{jobId}/logs',
        '/v1/me',
        '/v1/tenants',
        '/v1/tenants/{tenantId}',
        '/v1/tenants/{tenantId}/api-keys',
        '/v1/tenants/{tenantId}/share',
        '/v1/tenants/{tenantId}/approve',
        '/v1/signup',
        '/v1/usage',
        '/v1/quotes',
        '/v1/offers',
        '/v1/suppliers/me/earnings',
        '/v1/suppliers/me/activity',
        '/v1/suppliers/me',
        '/v1/suppliers/me/offers/{pool}',
        '/v1/suppliers/me/nodes',
        '/v1/suppliers/me/stake',
        '/v1/suppliers/me/unstake',
        '/v1/suppliers/me/rewards',
        '/v1/suppliers/me/payouts',
        '/v1/suppliers/me/wallet',
        '/v1/suppliers/me/commitments',
        '/v1/suppliers/{supplierId}/token-deposits',
        '/v1/invoices',
        '/v1/invoices/{invoiceId}',
        '/v1/finance/ledger',
        '/v1/finance/networks/reconciliation',
        '/v1/finance/trial-balance',
        '/v1/fleet',
        '/v1/clusters',
        '/v1/dlq',
        '/v1/dlq/{topic}',
        '/v1/dlq/{topic}/replay',
      ].sort(),
    );
    // Every documented operation answers 401 without a key, as documented (no undocumented route behaviour),
    // except those documented as open to anyone (no security requirement among their alternatives).
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const open = (operation as { security?: Array<Record<string, unknown>> }).security?.some(
          (requirement) => Object.keys(requirement).length === 0,
        );
        if (open) {
          expect([
            ['/v1/offers', 'get'],
            ['/v1/signup', 'post'],
          ]).toContainEqual([path, method]);
          continue;
        }
        const response = await call(
          path
            .replace('{tenantId}', 't-x')
            .replace('{jobId}', 'job-x')
            .replace('{topUpId}', 'x')
            .replace('{topic}', 'x')
            .replace('{invoiceId}', 'x')
            .replace('{supplierId}', 'x')
            .replace('{pool}', 'x'),
          undefined,
          {
            method: method.toUpperCase(),
            ...(method === 'post' || method === 'put' ? { body: '{}' } : {}),
          },
        );
        expect([path, method, response.status]).toEqual([path, method, 401]);
        expect(Object.keys(operation.responses)).toContain('401');
      }
    }
    const created = await post('/v1/tenants', operatorKey, { name: 'Documented', kind: 'supplier' });
    const documented = doc.paths['/v1/tenants'].post.responses['201'] as {
      content: { 'application/json': { schema: { required: string[] } } };
    };
    expect(Object.keys(created.body).sort()).toEqual(
      [...documented.content['application/json'].schema.required].sort(),
    );
    const html = await fetch(`${gateway.url}/docs`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('SwaggerUIBundle');
    expect((await fetch(`${gateway.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });

  const spec = {
    name: 'finetune',
    image: 'registry.gridex.io/acme/train:1',
    command: ['python', 'train.py'],
    gpusPerNode: 8,
    nodes: 1,
    gpuProducts: [`GW-UNOFFERED-${uuidv7().slice(-8)}`], // nobody offers it: matching keeps these jobs queued
    maxPricePerGpuHour: '2.50',
    expectedDurationSeconds: 3600,
    annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '30s' },
  };

  it('takes a job as a command (202 + job-submitted), follows it from events, and hides it from other tenants', async () => {
    const { tenantId, key } = await tenantWithKey('client');
    const other = await tenantWithKey('client');
    const supplier = await tenantWithKey('supplier');
    // Credit first: billing holds the job's expected cost when it is matched.
    await post('/v1/credits', key, { amount: '100.00' });
    await eventually(async () => {
      expect((await call('/v1/balance', key)).body).toMatchObject({ available: '100.00' });
    });
    // A product nobody offers: the real matching service (running for the quote test) queues it as unmatched,
    // and the test plays matching and the orchestrator from there.
    const accepted = await post('/v1/jobs', key, { ...spec, gpuProducts: [`GW-NONE-${uuidv7().slice(-8)}`] });
    expect(accepted).toMatchObject({ status: 202, body: { status: 'queued' } });
    const jobId = accepted.body.id as string;
    const event = await submitted.waitFor<EventEnvelope<JobSubmittedPayload>>(
      (e) => e.payload.jobId === jobId,
    );
    expect(event.payload).toMatchObject({
      tenantId,
      nodeCount: 1,
      tier: 'on-demand',
      maxPricePerGpuHour: { currency: 'USD', micros: '2500000' },
      annotations: spec.annotations,
    });
    expect((await call(`/v1/jobs/${jobId}`, other.key)).status).toBe(404);

    // The test plays matching and the orchestrator.
    const reservationId = uuidv7();
    await publishEvents(
      producer,
      JobMatched,
      [
        {
          jobId,
          tenantId,
          reservationId,
          attempt: 0,
          tier: 'on-demand',
          expectedDurationSeconds: 3600,
          allocations: [
            {
              nodeId: uuidv7(),
              clusterId: 'local',
              nodeName: 'h100-7',
              supplierId: supplier.tenantId,
              region: 'eu-north',
              gpuProduct: 'H100-SXM5-80GB',
              gpus: 8,
              pricePerGpuHour: { currency: 'USD', micros: '2300000' },
              supplierPricePerGpuHour: { currency: 'USD', micros: '2000000' },
            },
          ],
          matchedAt: new Date().toISOString(),
          image: spec.image,
          command: spec.command,
        },
      ],
      tenantId,
    );
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    await publishEvents(
      producer,
      WorkloadStarted,
      [{ jobId, reservationId, workloadId: uuidv7(), startedAt }],
      tenantId,
    );
    const running = await eventually(async () => {
      const job = await call(`/v1/jobs/${jobId}`, key);
      expect(job.body.status).toBe('running');
      return job.body;
    });
    expect(running).toMatchObject({
      pricePerGpuHour: '2.30',
      allocation: { nodes: [{ cluster: 'local', node: 'h100-7', gpus: 8 }] },
    });
    await publishEvents(
      producer,
      WorkloadFinished,
      [
        {
          jobId,
          reservationId,
          workloadId: uuidv7(),
          outcome: 'succeeded',
          startedAt,
          finishedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
        },
      ],
      tenantId,
    );
    const done = await eventually(async () => {
      const job = await call(`/v1/jobs/${jobId}`, key);
      expect(job.body.status).toBe('succeeded');
      return job.body as { timeline: Array<{ event: string }> };
    });
    expect(done.timeline.map((t) => t.event).filter((e) => e !== 'unmatched')).toEqual([
      'submitted',
      'matched',
      'running',
      'succeeded',
    ]);
    // The hold followed the match, and settlement released it: only the usage was spent.
    await eventually(async () => {
      const balance = (await call('/v1/balance', key)).body as { available: string; held: string };
      expect(balance.held).toBe('0.00');
      // 60 s of 8 GPUs at 2.30 per GPU-hour: 0.306667 (rounded up to the micro-unit).
      expect(balance.available).toBe('99.693333');
    });
    await eventually(async () => {
      expect((await call(`/v1/usage?jobId=${jobId}`, key)).body).toEqual({
        items: [{ jobId, gpuSeconds: 480, amount: '0.306667' }],
        nextCursor: null,
      });
    });
    expect((await call(`/v1/usage?jobId=${jobId}`, other.key)).body).toEqual({ items: [], nextCursor: null });
    // The supplier sees its share of the same settlement: 60 s of 8 GPUs at its ask of 2.00.
    await eventually(async () => {
      expect((await call('/v1/suppliers/me/earnings', supplier.key)).body).toEqual({
        total: '0.266666',
        jobs: 1,
        gpuSeconds: 480,
      });
    });
    expect((await call('/v1/suppliers/me/earnings', key)).status).toBe(403);
    invoicedClient = { tenantId, key, jobId };
  });

  it("invoices the job's usage (JSON and CSV), and shows platform finance every tenant's invoices and the ledger", async () => {
    if (!invoicedClient) throw new Error('the job test did not finish');
    const { tenantId, key, jobId } = invoicedClient;
    type Invoice = {
      invoiceId: string;
      tenantId: string;
      total: string;
      lines: Array<Record<string, unknown>>;
    };
    // Billing invoices per minute here: the usage's minute closes, then its invoice is issued, up to a minute
    // later; the test's own timeout leaves room for the whole wait below.
    const [summary] = await eventually(async () => {
      const page = (await call('/v1/invoices', key)).body as { items: Invoice[] };
      expect(page.items).toHaveLength(1);
      return page.items;
    }, 90_000);
    expect(summary).toMatchObject({ tenantId, total: '0.306667', lineCount: 1, gpuSeconds: 480 });
    const invoice = (await call(`/v1/invoices/${summary.invoiceId}`, key)).body as unknown as Invoice;
    expect(invoice.lines).toEqual([
      expect.objectContaining({ jobId, gpuSeconds: 480, unitPricePerGpuHour: '2.30', amount: '0.306667' }),
    ]);
    const csv = await fetch(`${gateway.url}/v1/invoices/${summary.invoiceId}`, {
      headers: { authorization: `Bearer ${key}`, accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await csv.text()).split('\r\n')[1]).toContain(`,${jobId},`);
    // Another client neither lists it nor reads it.
    const other = await tenantWithKey('client');
    expect((await call('/v1/invoices', other.key)).body).toEqual({ items: [], nextCursor: null });
    expect((await call(`/v1/invoices/${summary.invoiceId}`, other.key)).body).toMatchObject({
      status: 404,
      code: 'BILLING.INVOICE_NOT_FOUND',
    });
    expect((await call(`/v1/invoices?tenantId=${tenantId}`, other.key)).status).toBe(403);
    // The platform's finance key reads any tenant's invoices, the ledger and the trial balance.
    const finance = (await post('/v1/tenants/gridex/api-keys', operatorKey, { role: 'finance' })).body
      .key as string;
    const theirs = (await call(`/v1/invoices?tenantId=${tenantId}`, finance)).body as { items: Invoice[] };
    expect(theirs.items.map((i) => i.invoiceId)).toEqual([summary.invoiceId]);
    expect((await call(`/v1/invoices/${summary.invoiceId}`, finance)).body).toMatchObject({
      total: '0.306667',
    });
    const trial = (await call('/v1/finance/trial-balance', finance)).body as {
      balanced: boolean;
      total: string;
      accounts: Array<{ account: string; balance: string }>;
    };
    expect(trial).toMatchObject({ balanced: true, total: '0.00' });
    expect(trial.accounts).toContainEqual({ account: `tenant:${tenantId}:available`, balance: '99.693333' });
    const ledger = (await call('/v1/finance/ledger?limit=5000', finance)).body as {
      items: Array<{ reference: string; postings: Array<{ amount: string }> }>;
    };
    const micros = (amount: string) => {
      const [whole, fraction = ''] = amount.replace('-', '').split('.');
      const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
      return amount.startsWith('-') ? -value : value;
    };
    expect(ledger.items.length).toBeGreaterThan(0);
    for (const transaction of ledger.items) {
      const sum = transaction.postings.reduce((total, p) => total + micros(p.amount), 0n);
      expect([transaction.reference, sum]).toEqual([transaction.reference, 0n]);
    }
    expect((await call('/v1/finance/trial-balance', key)).status).toBe(403);
    const tenantFinance = (await post(`/v1/tenants/${tenantId}/api-keys`, operatorKey, { role: 'finance' }))
      .body.key as string;
    expect((await call('/v1/finance/ledger', tenantFinance)).body).toMatchObject({ status: 403 });
    expect(((await call('/v1/invoices', tenantFinance)).body.items as Invoice[])[0].invoiceId).toBe(
      summary.invoiceId,
    );
  }, 120_000);

  it('registers suppliers, takes their offers, and serves their nodes, stakes, rewards and payouts', async () => {
    const tenant = await post('/v1/tenants', operatorKey, {
      name: 'Rack & Co',
      kind: 'supplier',
      supplierKind: 'datacenter',
      region: 'eu-west',
    });
    expect(tenant.status).toBe(201);
    const supplierId = tenant.body.id as string;
    const key = (await post(`/v1/tenants/${supplierId}/api-keys`, operatorKey, { role: 'supplier' })).body
      .key as string;
    await supplierRegistered.waitFor<EventEnvelope<{ supplierId: string }>>(
      (e) => e.payload.supplierId === supplierId,
    );
    expect(
      (await post('/v1/tenants', operatorKey, { name: 'x', kind: 'client', region: 'eu-west' })).body.errors,
    ).toEqual([expect.objectContaining({ field: 'supplierKind' })]);

    // Inventory knows the supplier; it has no nodes yet.
    await eventually(async () => {
      expect((await call('/v1/suppliers/me', key)).body).toEqual({
        supplierId,
        name: 'Rack & Co',
        pools: [],
      });
    });
    expect((await call('/v1/suppliers/me/nodes', key)).body).toEqual({ items: [] });

    // The orchestrator reports one of its nodes: inventory prices it from the offer and puts it on the
    // capacity feed, from which rewards learns it; then it can be staked (8 GPUs × 1000 tokens minimum).
    const clusterId = `gw-${uuidv7().slice(-12)}`;
    const nodeName = 'rack-h100-0';
    const resources = { gpus: 8, cpuMillis: 96_000, memoryMiB: 1_048_576 };
    await publishEvents(producer, NodeObserved, [
      {
        clusterId,
        nodeName,
        observation: 'added',
        observedAt: new Date().toISOString(),
        resourceVersion: '1',
        ready: true,
        supplierId,
        pool: 'h100',
        region: 'eu-west',
        gpuProduct: 'H100-80GB',
        gpuMemoryMiB: 81_559,
        interconnect: 'infiniband',
        capacity: resources,
        allocatable: resources,
      },
    ]);
    const nodeId = deterministicUuid(IdNamespaces.node, clusterId, nodeName);
    await eventually(async () => {
      expect((await call('/v1/suppliers/me', key)).body.pools).toEqual([
        { pool: 'h100', nodes: 1, gpus: 8, readyNodes: 1 },
      ]);
    });
    // Prices are per pool; a pool without nodes of this supplier is refused at once.
    const unknownPool = await call('/v1/suppliers/me/offers/a100', key, {
      method: 'PUT',
      body: JSON.stringify({ pricePerGpuHour: '1.50' }),
    });
    expect(unknownPool.body).toMatchObject({ status: 422, code: 'OFFER.UNKNOWN_POOL' });
    for (const [bad, field] of [
      [{ pricePerGpuHour: '2,10' }, 'pricePerGpuHour'],
      [{ pricePerGpuHour: '2.10', minLeaseSeconds: 600, maxLeaseSeconds: 60 }, 'maxLeaseSeconds'],
      [{ pricePerGpuHour: '2.10', interruptiblePricePerGpuHour: '3.00' }, 'interruptiblePricePerGpuHour'],
    ] as const) {
      const refused = await call('/v1/suppliers/me/offers/h100', key, {
        method: 'PUT',
        body: JSON.stringify(bad),
      });
      expect([refused.status, refused.body.errors?.map((e) => e.field)]).toEqual([400, [field]]);
    }
    const offer = await call('/v1/suppliers/me/offers/h100', key, {
      method: 'PUT',
      body: JSON.stringify({
        pricePerGpuHour: '2.10',
        interruptiblePricePerGpuHour: '1.25',
        minLeaseSeconds: 300,
      }),
    });
    expect(offer).toMatchObject({ status: 202, body: { pool: 'h100', pricePerGpuHour: '2.10' } });
    const declared = await offerDeclared.waitFor<EventEnvelope<Record<string, unknown>>>(
      (e) => e.payload.supplierId === supplierId,
    );
    expect(declared.payload).toMatchObject({
      pool: 'h100',
      pricePerGpuHour: { currency: 'USD', micros: '2100000' },
      interruptiblePricePerGpuHour: { currency: 'USD', micros: '1250000' },
      minLeaseSeconds: 300,
    });
    // Inventory applies the offer to the pool's nodes.
    await eventually(async () => {
      expect((await call('/v1/suppliers/me/nodes', key)).body.items).toEqual([
        expect.objectContaining({ nodeId, nodeName, pool: 'h100', pricePerGpuHour: '2.10' }),
      ]);
    });
    const node = { nodeId };
    // Stakes are tokens the supplier holds: it has none until a deposit is recorded (operators only).
    expect(
      (await post('/v1/suppliers/me/stake', key, { nodeId: node.nodeId, amount: '8000' })).body,
    ).toMatchObject({
      code: expect.stringMatching(/^REWARDS\.(INSUFFICIENT_TOKENS|NODE_NOT_FOUND)$/),
    });
    const deposit = { amount: '8000', reference: `custody-${uuidv7()}` };
    expect((await post(`/v1/suppliers/${supplierId}/token-deposits`, key, deposit)).status).toBe(403);
    for (const credited of [true, false]) {
      expect((await post(`/v1/suppliers/${supplierId}/token-deposits`, operatorKey, deposit)).body).toEqual({
        supplierId,
        amount: '8000.00',
        reference: deposit.reference,
        credited,
      });
    }
    const staked = await eventually(async () => {
      const answer = await post('/v1/suppliers/me/stake', key, { nodeId: node.nodeId, amount: '8000' });
      expect(answer.status).toBe(200);
      return answer.body;
    });
    expect(staked).toMatchObject({
      nodeId: node.nodeId,
      staked: '8000.00',
      required: '8000.00',
      eligible: true,
    });
    const unstaked = await post('/v1/suppliers/me/unstake', key, { nodeId: node.nodeId, amount: '500' });
    expect(unstaked.body).toMatchObject({
      staked: '7500.00',
      eligible: false,
      unbonding: { amount: '500.00' },
    });
    const rewardsView = (await call('/v1/suppliers/me/rewards', key)).body;
    expect(rewardsView).toMatchObject({
      tokens: {
        available: '0.00',
        bonded: '7500.00',
        unbonding: '500.00',
        pendingPayout: '0.00',
        paid: '0.00',
      },
      stakes: [expect.objectContaining({ nodeId: node.nodeId, staked: '7500.00' })],
      unbondings: [expect.objectContaining({ nodeId: node.nodeId, amount: '500.00', withdrawn: false })],
    });
    // Rewards' own refusals come through unchanged: nothing is owed, and another supplier's node is unknown.
    expect((await post('/v1/suppliers/me/payouts', key, { amount: '5.00' })).body).toMatchObject({
      status: 400,
      code: 'REQUEST.IDEMPOTENCY_KEY_REQUIRED',
    });
    const payout = await post(
      '/v1/suppliers/me/payouts',
      key,
      { amount: '5.00' },
      { 'idempotency-key': `payout-${uuidv7()}` },
    );
    expect(payout.status).toBe(422);
    expect(String(payout.body.code)).toMatch(/^REWARDS\./);
    expect((await call('/v1/suppliers/me/payouts', key)).body).toEqual({ items: [], nextCursor: null });
    expect((await call('/v1/suppliers/me/wallet', key)).body).toMatchObject({
      status: 404,
      code: 'REWARDS.NO_WALLET',
    });
    const address = `0x${'ab'.repeat(20)}`;
    expect(
      (await call('/v1/suppliers/me/wallet', key, { method: 'PUT', body: JSON.stringify({ address }) })).body,
    ).toMatchObject({ address });
    expect((await call('/v1/suppliers/me/wallet', key)).body).toMatchObject({ address });
    expect(
      (
        await call('/v1/suppliers/me/wallet', key, {
          method: 'PUT',
          body: JSON.stringify({ address: '0x12' }),
        })
      ).status,
    ).toBe(400);
    const otherSupplier = await tenantWithKey('supplier');
    expect(
      (await post('/v1/suppliers/me/stake', otherSupplier.key, { nodeId: node.nodeId, amount: '1' })).body,
    ).toMatchObject({ status: 404, code: 'REWARDS.NODE_NOT_FOUND' });
    // Operators see the fleet and its clusters from inventory's capacity book.
    const fleet = (await call('/v1/fleet', operatorKey)).body as {
      totals: { nodes: number; gpus: number };
      groups: Array<{ region: string; gpuProduct: string; gpus: number }>;
    };
    expect(fleet.groups).toContainEqual(
      expect.objectContaining({ region: 'eu-west', gpuProduct: 'H100-80GB' }),
    );
    expect(fleet.totals.gpus).toBe(fleet.groups.reduce((sum, group) => sum + group.gpus, 0));
    expect((await call('/v1/clusters', operatorKey)).body.items).toContainEqual(
      expect.objectContaining({ clusterId, nodes: 1, readyNodes: 1, gpus: 8, freeGpus: 8, suppliers: 1 }),
    );
    expect((await call('/v1/fleet', key)).status).toBe(403);
  });

  it('cancels a queued job at once, and pages through jobs with a cursor', async () => {
    const { key } = await tenantWithKey('client');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await post('/v1/jobs', key, spec)).body.id as string);
    const cancel = await post(`/v1/jobs/${ids[0]}/cancel`, key, {});
    expect(cancel).toMatchObject({ status: 202, body: { status: 'cancelled' } });
    await cancelled.waitFor<EventEnvelope<JobCancelledPayload>>((e) => e.payload.jobId === ids[0]);
    expect((await post(`/v1/jobs/${ids[0]}/cancel`, key, {})).status).toBe(409);

    const first = await call('/v1/jobs?limit=2', key);
    const second = await call(`/v1/jobs?limit=2&cursor=${first.body.nextCursor as string}`, key);
    const seen = [
      ...(first.body.items as Array<{ id: string }>),
      ...(second.body.items as Array<{ id: string }>),
    ];
    expect(seen.map((j) => j.id).sort()).toEqual([...ids].sort());
    expect(second.body.nextCursor).toBeNull();
    const invalid = await post('/v1/jobs', key, { ...spec, gpusPerNode: 0, maxPricePerGpuHour: 2.5 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors?.map((e) => e.field).sort()).toEqual(['gpusPerNode', 'maxPricePerGpuHour']);
  });

  it("streams a job's lifecycle as server-sent events, resumes after Last-Event-ID, and hides it from other tenants", async () => {
    const { key } = await tenantWithKey('client');
    const client = new GridexClient({ baseUrl: gateway.url, apiKey: key });
    const { id } = await client.submitJob(spec as never);
    const received: Array<{ type: string; event?: string; index?: number; status?: string }> = [];
    const streamed = (async () => {
      for await (const item of client.jobEvents(id)) {
        received.push(
          item.type === 'timeline' ? { type: item.type, ...item.event } : { type: 'end', ...item.end },
        );
      }
    })();
    // The stream is open with what happened so far; a change made now reaches it through the notification.
    await eventually(async () => expect(received.map((r) => r.event)).toContain('submitted'));
    expect((await post(`/v1/jobs/${id}/cancel`, key, {})).status).toBe(202);
    await streamed;
    const job = (await call(`/v1/jobs/${id}`, key)).body as { timeline: Array<{ event: string }> };
    // Every timeline entry once, in order, numbered; then the end with the final status.
    expect(received.filter((r) => r.type === 'timeline').map((r) => [r.index, r.event])).toEqual(
      job.timeline.map((entry, index) => [index, entry.event]),
    );
    expect(received.at(-1)).toMatchObject({ type: 'end', status: 'cancelled' });

    // A reconnect with Last-Event-ID gets only what came after it.
    const resumed = await fetch(`${gateway.url}/v1/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${key}`, 'last-event-id': '0' },
    });
    expect(resumed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await resumed.text();
    expect(text).not.toMatch(/^id: 0$/m);
    expect(text).toMatch(/^id: 1$/m);
    expect(text).toMatch(/^event: end$/m);

    const other = await tenantWithKey('client');
    const hidden = await fetch(`${gateway.url}/v1/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${other.key}` },
    });
    expect([hidden.status, ((await hidden.json()) as { code: string }).code]).toEqual([404, 'JOB.NOT_FOUND']);
  });

  it('tops up through billing: credited (balance follows the finance events) or declined with the reason', async () => {
    const { key } = await tenantWithKey('client');
    expect((await call('/v1/balance', key)).body).toEqual({ available: '0.00', held: '0.00' });
    const topUp = await post('/v1/credits', key, { amount: '500.00' });
    expect(topUp).toMatchObject({ status: 202, body: { amount: '500.00', status: 'pending' } });
    await eventually(async () => {
      expect((await call(`/v1/credits/${topUp.body.topUpId as string}`, key)).body.status).toBe('credited');
      expect((await call('/v1/balance', key)).body).toEqual({ available: '500.00', held: '0.00' });
    });
    const declined = await post('/v1/credits', key, { amount: '20.00', paymentMethod: 'pm_test_declined' });
    await eventually(async () => {
      expect((await call(`/v1/credits/${declined.body.topUpId as string}`, key)).body).toMatchObject({
        status: 'declined',
        reason: 'card declined',
      });
    });
    expect((await call('/v1/balance', key)).body).toEqual({ available: '500.00', held: '0.00' });
    expect((await post('/v1/credits', key, { amount: '0' })).status).toBe(400);
  });

  it('sells compute credits through billing, and refuses what it cannot honour with a problem', async () => {
    const buyer = await tenantWithKey('client');
    const stranger = await tenantWithKey('client');
    const supplier = await tenantWithKey('supplier');
    const topUp = await post('/v1/credits', buyer.key, { amount: '500.00' });
    await eventually(async () =>
      expect((await call(`/v1/credits/${topUp.body.topUpId as string}`, buyer.key)).body.status).toBe(
        'credited',
      ),
    );
    const until = new Date(Date.now() + 86_400_000).toISOString();
    // A supplier without nodes of the product cannot commit them.
    const unheld = await post(
      '/v1/suppliers/me/commitments',
      supplier.key,
      { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpuHours: '10', askPerGpuHour: '2.00', availableUntil: until },
      { 'idempotency-key': `key-${uuidv7()}` },
    );
    expect([unheld.status, unheld.body.code]).toEqual([422, 'COMPUTE_CREDIT.CAPACITY_NOT_HELD']);
    // Billing's own route records one (as the gateway does once the nodes are there).
    const commitment = await fetch(`${billing.url}/v1/suppliers/${supplier.tenantId}/commitments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `key-${uuidv7()}` },
      body: JSON.stringify({
        gpuProduct: 'NVIDIA-H100-80GB-HBM3',
        gpuSeconds: 100 * 3600,
        askPerGpuHour: { currency: 'USD', micros: '2000000' },
        availableUntil: until,
      }),
    });
    const { commitmentId } = (await commitment.json()) as { commitmentId: string };

    const purchase = { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpuHours: '10', commitmentId };
    const noKey = await post('/v1/compute-credits', buyer.key, purchase);
    expect([noKey.status, noKey.body.code]).toEqual([400, 'REQUEST.IDEMPOTENCY_KEY_REQUIRED']);
    const fractional = await post(
      '/v1/compute-credits',
      buyer.key,
      { ...purchase, gpuHours: '1.5' },
      { 'idempotency-key': `key-${uuidv7()}` },
    );
    expect(fractional.status).toBe(400);
    expect(fractional.body.errors?.map((e) => e.field)).toEqual(['gpuHours']);
    const bought = await post('/v1/compute-credits', buyer.key, purchase, {
      'idempotency-key': `key-${uuidv7()}`,
    });
    expect(bought).toMatchObject({
      status: 201,
      body: {
        balanceGpuHours: '10',
        pricePerGpuHour: '2.3004',
        value: '23.004',
        supplierId: supplier.tenantId,
      },
    });
    // The balance read model follows the purchase's finance event.
    await eventually(async () =>
      expect((await call('/v1/balance', buyer.key)).body).toEqual({ available: '476.996', held: '0.00' }),
    );
    const creditId = bought.body.creditId as string;
    expect((await call(`/v1/compute-credits/${creditId}`, stranger.key)).status).toBe(404);
    for (const toTenantId of ['t-nobody', supplier.tenantId]) {
      const refused = await post(
        `/v1/compute-credits/${creditId}/transfers`,
        buyer.key,
        { toTenantId, gpuHours: '1' },
        { 'idempotency-key': `key-${uuidv7()}` },
      );
      expect([refused.status, refused.body.code]).toEqual([422, 'COMPUTE_CREDIT.UNKNOWN_RECIPIENT']);
    }
    const given = await post(
      `/v1/compute-credits/${creditId}/transfers`,
      buyer.key,
      { toTenantId: stranger.tenantId, gpuHours: '2.5' },
      { 'idempotency-key': `key-${uuidv7()}` },
    );
    expect(given).toMatchObject({ status: 201, body: { gpuHours: '2.5', toTenantId: stranger.tenantId } });
    expect((await call(`/v1/compute-credits/${creditId}`, stranger.key)).body.balanceGpuHours).toBe('2.5');
    expect((await call('/v1/compute-credits', buyer.key)).body.items).toEqual([
      expect.objectContaining({ creditId, balanceGpuHours: '7.5', purchasedGpuHours: '10' }),
    ]);
    // This billing runs without the chain: nothing can leave for a wallet.
    const withdrawal = await post(
      `/v1/compute-credits/${creditId}/withdrawals`,
      buyer.key,
      { gpuHours: '1', address: `0x${'1'.repeat(40)}` },
      { 'idempotency-key': `key-${uuidv7()}` },
    );
    expect([withdrawal.status, withdrawal.body.code]).toEqual([409, 'COMPUTE_CREDIT.CHAIN_DISABLED']);
  });

  it('quotes through matching (request-reply over Kafka): offers and cost, or readable reasons', async () => {
    const { key } = await tenantWithKey('client');
    const product = `GW-QUOTE-${uuidv7().slice(-8)}`;
    await publishEvents(producer, CapacityChanged, [
      capacityChange({
        clusterId: 'gw-test',
        nodeName: `n-${product.toLowerCase()}`,
        supplierId: 'sup-gw',
        gpuProduct: product,
      }),
    ]);
    const wanted = { ...spec, gpuProducts: [product] };
    const quote = await eventually(async () => {
      const answer = await post('/v1/quotes', key, wanted);
      expect(answer.body.feasible).toBe(true);
      return answer.body;
    });
    // 8 GPUs × (2.00 + 15 % take) × 1 h
    expect(quote).toMatchObject({
      reasons: [],
      estimatedCost: '18.40',
      offers: [
        { cluster: 'gw-test', region: 'eu-north', gpuProduct: product, gpus: 8, pricePerGpuHour: '2.30' },
      ],
    });
    const tooCheap = await post('/v1/quotes', key, { ...wanted, maxPricePerGpuHour: '1.00' });
    expect(tooCheap.body).toMatchObject({ feasible: false, estimatedCost: null, offers: [] });
    expect((tooCheap.body.reasons as string[]).join(' ')).toMatch(/price-cap/);
  });

  it("searches offers through matching's book (request-reply over Kafka) at the client's price, and passes its problems on", async () => {
    const { key } = await tenantWithKey('client');
    const product = `GW-OFFER-${uuidv7().slice(-8)}`;
    await publishEvents(producer, CapacityChanged, [
      capacityChange({
        clusterId: 'gw-test',
        nodeName: `o-a-${product}`,
        supplierId: 'sup-gw',
        gpuProduct: product,
      }),
      capacityChange({
        clusterId: 'gw-test',
        nodeName: `o-b-${product}`,
        supplierId: 'sup-gw',
        gpuProduct: product,
        pricePerGpuHour: { currency: 'USD', micros: '3000000' },
        reliabilityBasisPoints: 9_999,
      }),
    ]);
    const page = await eventually(async () => {
      const answer = await call(`/v1/offers?gpuProduct=${product}&sort=price`, key);
      expect(answer.body.items).toHaveLength(2);
      return answer.body as { items: Array<Record<string, unknown>> };
    });
    // 2.00 ask + matching's 15 % take: the client pays 2.30, and sees both parts.
    expect(page.items[0]).toEqual({
      cluster: 'gw-test',
      node: `o-a-${product}`,
      region: 'eu-north',
      gpuProduct: product,
      gpuMemoryGb: 79.6,
      gpus: 8,
      freeGpus: 8,
      interconnect: 'infiniband',
      verified: true,
      reliability: 0.999,
      reliabilityParts: null,
      network: null,
      pricePerGpuHour: '2.30',
      askPerGpuHour: '2.00',
      feePerGpuHour: '0.30',
      interruptiblePricePerGpuHour: '1.38',
      interruptibleAskPerGpuHour: '1.20',
      interruptibleFeePerGpuHour: '0.18',
    });
    const order = async (sort: string) =>
      (
        (await call(`/v1/offers?gpuProduct=${product}&sort=${sort}`, key)).body.items as Array<{
          node: string;
        }>
      ).map((o) => o.node.slice(0, 3));
    expect(await order('price')).toEqual(['o-a', 'o-b']);
    expect(await order('reliability')).toEqual(['o-b', 'o-a']);
    const capped = await call(`/v1/offers?gpuProduct=${product}&maxPricePerGpuHour=2.30&minFreeGpus=8`, key);
    expect((capped.body.items as unknown[]).length).toBe(1);

    const bad = await call('/v1/offers?interconnect=carrier-pigeon', key);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('MATCHING.INVALID_OFFER_QUERY');
    expect((await call('/v1/offers?colour=blue', key)).status).toBe(400);
  });

  it('lets anyone browse offers without a key, limited per address, while a wrong key is still refused', async () => {
    const anonymous = await call('/v1/offers?limit=2&minReliability=0.5', undefined);
    expect(anonymous.status).toBe(200);
    expect(Array.isArray(anonymous.body.items)).toBe(true);
    expect((await call('/v1/offers', 'gdx_not-a-key')).status).toBe(401);
    // A burst of 3 here, then one a second: the address runs out, and is told when to come back.
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await call('/v1/offers?limit=1', undefined));
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.body).toMatchObject({ code: 'AUTH.RATE_LIMITED' });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A key has its own budget; and placing work always needs one.
    const { key } = await tenantWithKey('client');
    expect((await call('/v1/offers?limit=1', key)).status).toBe(200);
    expect((await post('/v1/jobs', undefined, {})).status).toBe(401);
  });

  it('serves the typed SDK and the gridex CLI: commands, lists, waiting, and problems as errors', async () => {
    const operator = new GridexClient({ baseUrl: gateway.url, apiKey: operatorKey });
    const tenant = await operator.createTenant({ name: 'SDK Labs', kind: 'client' });
    const { key } = await operator.createApiKey(tenant.id, 'client');
    const client = new GridexClient({ baseUrl: gateway.url, apiKey: key });
    const topUp = await client.addCredits('25.00');
    await eventually(async () => expect((await client.topUp(topUp.topUpId)).status).toBe('credited'));
    expect((await client.balance()).available).toBe('25.00');
    const { id } = await client.submitJob({ ...spec, name: 'sdk' });
    expect(await client.waitForJob(id, { statuses: ['queued'] })).toMatchObject({ id, status: 'queued' });
    const listed: string[] = [];
    for await (const job of client.allJobs()) listed.push(job.id);
    expect(listed).toEqual([id]);
    await expect(client.submitJob({ ...spec, gpusPerNode: 0 })).rejects.toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID',
    });
    await expect(client.job('job-nope')).rejects.toBeInstanceOf(GridexApiError);

    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(__dirname, '../../../dist/apps/cli/src/main.js'), ...args], {
        env: { ...process.env, GRIDEX_API_URL: gateway.url, GRIDEX_API_KEY: key },
        encoding: 'utf8',
      });
    const me = cli('me');
    expect([me.status, JSON.parse(me.stdout)]).toEqual([0, expect.objectContaining({ tenantId: tenant.id })]);
    const job = cli('jobs', 'get', id);
    expect(JSON.parse(job.stdout)).toMatchObject({ id, status: 'queued' });
    const missing = cli('jobs', 'get', 'job-nope');
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringContaining('404 JOB.NOT_FOUND')]);
    const submitted = cli(
      'jobs',
      'submit',
      '--image',
      spec.image,
      '--gpus',
      '8',
      '--gpu-products',
      spec.gpuProducts[0],
      '--max-price',
      '2.50',
      '--duration',
      '3600',
    );
    expect([submitted.status, submitted.stderr]).toEqual([0, '']);
    expect(JSON.parse(submitted.stdout)).toMatchObject({ status: 'queued' });
    const refused = cli('jobs', 'submit', '--image', spec.image, '--gpus', '0');
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining('gpusPerNode')]);
    expect(cli('jobs', 'frobnicate').status).toBe(2);
    expect(cli('jobs', 'list', '--colour', 'red').stderr).toContain("unknown option '--colour'");
    // Exit codes tell a job's outcome from a timeout: a queued job outlasts a 1 s wait (4); cancelled, it ended
    // without succeeding (3), and watch showed each change on stderr.
    const queuedId = (JSON.parse(submitted.stdout) as { id: string }).id;
    expect(cli('jobs', 'wait', queuedId, '--timeout', '1').status).toBe(4);
    expect(cli('jobs', 'cancel', queuedId).status).toBe(0);
    const watched = cli('jobs', 'watch', queuedId, '--timeout', '30');
    expect(watched.status).toBe(3);
    expect(watched.stderr).toMatch(/submitted[\s\S]*cancel/);
    expect(JSON.parse(watched.stdout)).toMatchObject({ id: queuedId, status: 'cancelled' });
  });

  it('shows operators what was dead-lettered and why, and replays it to its source topic', async () => {
    const marker = `broken-${uuidv7()}`;
    await producer.send(Topics.jobMatched, [{ key: marker, value: marker }]);
    type Entry = { offset: string; key: string | null; code: string | null; value: string };
    const entry = await eventually(async () => {
      const page = await call(`/v1/dlq/${Topics.jobMatched}?limit=50`, operatorKey);
      const found = (page.body.items as Entry[]).find((e) => e.value === marker);
      expect(found).toBeDefined();
      return found as Entry;
    });
    expect(entry).toMatchObject({ key: marker, code: 'MESSAGING.INVALID_MESSAGE' });
    const summary = await call('/v1/dlq', operatorKey);
    const before = (summary.body.items as Array<{ topic: string; messages: number }>).find(
      (i) => i.topic === Topics.jobMatched,
    );
    expect(before?.messages).toBeGreaterThan(0);
    const replay = await post(`/v1/dlq/${Topics.jobMatched}/replay`, operatorKey, {
      offsets: [entry.offset],
    });
    expect(replay).toMatchObject({ status: 200, body: { replayed: 1 } });
    // Still invalid, so it comes back to the dead-letter topic: the count grows.
    await eventually(async () => {
      const after = (
        (await call('/v1/dlq', operatorKey)).body.items as Array<{ topic: string; messages: number }>
      ).find((i) => i.topic === Topics.jobMatched);
      expect(after?.messages).toBeGreaterThan(before?.messages ?? 0);
    });
    expect((await call('/v1/dlq/not.a.topic', operatorKey)).status).toBe(404);
    // An offset that holds no dead letter is named at once, and nothing of the request is replayed.
    const nowhere = await post(`/v1/dlq/${Topics.jobMatched}/replay`, operatorKey, {
      offsets: [entry.offset, '999999999'],
    });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body).toMatchObject({
      code: 'DLQ.NO_SUCH_OFFSET',
      errors: [{ field: 'offsets', message: '999999999 holds no dead letter' }],
    });
    const { key } = await tenantWithKey('client');
    expect((await call('/v1/dlq', key)).status).toBe(403);
  });
});
