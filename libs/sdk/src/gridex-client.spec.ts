import { GridexApiError, GridexClient, paginate, retrying, serverSentEvents } from './gridex-client';

/** A fake gateway: answers in turn, and records what it was sent. */
function gateway(...answers: Array<Response | Error>) {
  const seen: Request[] = [];
  const fetch = async (request: Request) => {
    seen.push(request);
    const next = answers.shift() ?? new Response('{}', { status: 200 });
    if (next instanceof Error) throw next;
    return next;
  };
  return { seen, fetch };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const problem = (status: number, code: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'x', status, code, detail: `${code} detail` }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

describe('the SDK transport and middleware', () => {
  it.each<[string, Array<Response | Error>, number, number]>([
    [
      'a 429 is retried after its Retry-After',
      [json(429, {}, { 'retry-after': '0' }), json(200, { ok: 1 })],
      200,
      2,
    ],
    ['a 503 is retried', [json(503, {}), json(200, {})], 200, 2],
    ['a network error is retried', [new Error('ECONNRESET'), json(200, {})], 200, 2],
    ['a 400 is not retried', [json(400, {}), json(200, {})], 400, 1],
    ['it gives up after its retries', [json(503, {}), json(503, {}), json(503, {})], 503, 2],
  ])('%s', async (_name, answers, status, calls) => {
    const fake = gateway(...answers);
    const response = await retrying(fake.fetch, 1)(new Request('http://gw/v1/me'));
    expect([response.status, fake.seen.length]).toEqual([status, calls]);
  });

  it('sends the key, and the same fresh Idempotency-Key on every retry of a POST', async () => {
    const fake = gateway(json(503, {}), json(202, { id: 'job-1', status: 'queued' }));
    const client = new GridexClient({
      baseUrl: 'http://gw/',
      apiKey: 'gdx_k',
      fetch: fake.fetch,
      retries: 2,
    });
    const accepted = await client.submitJob({
      image: 'registry.gridex.io/a/b:1',
      gpusPerNode: 1,
      gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
      maxPricePerGpuHour: '2.50',
      expectedDurationSeconds: 60,
    });
    expect(accepted).toEqual({ id: 'job-1', status: 'queued' });
    const keys = fake.seen.map((r) => r.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys).toEqual([keys[0], keys[0]]);
    expect(fake.seen.map((r) => [r.method, r.url, r.headers.get('authorization')])).toEqual([
      ['POST', 'http://gw/v1/jobs', 'Bearer gdx_k'],
      ['POST', 'http://gw/v1/jobs', 'Bearer gdx_k'],
    ]);
  });

  it('keeps the caller’s Idempotency-Key, and sends none on a read', async () => {
    const fake = gateway(json(201, {}), json(200, { items: [], nextCursor: null }));
    const client = new GridexClient({ baseUrl: 'http://gw', apiKey: 'k', fetch: fake.fetch });
    await client.addCredits('5.00', 'pm_test', 'my-key-123');
    await client.jobs({ limit: 5 });
    expect(fake.seen.map((r) => r.headers.get('idempotency-key'))).toEqual(['my-key-123', null]);
    expect(fake.seen[1].url).toBe('http://gw/v1/jobs?limit=5');
  });

  it('throws a problem as a GridexApiError with its code and status', async () => {
    const client = new GridexClient({
      baseUrl: 'http://gw',
      apiKey: 'k',
      fetch: gateway(problem(404, 'JOB.NOT_FOUND')).fetch,
    });
    const error = await client.job('job-x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridexApiError);
    expect([(error as GridexApiError).status, (error as GridexApiError).code]).toEqual([
      404,
      'JOB.NOT_FOUND',
    ]);
  });

  it('pages through a list with its cursors', async () => {
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
      first: { items: [1, 2], nextCursor: 'b' },
      b: { items: [3], nextCursor: 'c' },
      c: { items: [], nextCursor: null },
    };
    const seen: number[] = [];
    for await (const item of paginate(async (cursor) => pages[cursor ?? 'first'])) seen.push(item);
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('server-sent events', () => {
  const stream = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });

  it('reads events split anywhere across chunks, skipping comments', async () => {
    const events = [];
    for await (const event of serverSentEvents(
      stream(
        'id: 0\nevent: time',
        'line\ndata: {"a":1}\n\n: keep-alive\n\n',
        'event: end\r\ndata: x\r\ndata: y\r\n\r\n',
      ),
    )) {
      events.push(event);
    }
    expect(events).toEqual([
      { id: '0', event: 'timeline', data: '{"a":1}' },
      { event: 'end', data: 'x\ny' },
    ]);
  });
});
