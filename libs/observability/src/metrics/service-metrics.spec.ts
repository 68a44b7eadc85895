import { ServiceMetrics } from './service-metrics';

describe('ServiceMetrics', () => {
  it('prefixes service metrics, labels them with the service and keeps default metrics', async () => {
    const metrics = new ServiceMetrics('matching');
    metrics.counter('jobs_matched_total', 'Jobs matched', ['tier']).inc({ tier: 'on-demand' });
    const text = await metrics.render();
    expect(text).toContain('gridex_matching_jobs_matched_total{tier="on-demand",service="matching"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('returns the same metric when asked twice', () => {
    const metrics = new ServiceMetrics('billing', { defaultMetrics: false });
    expect(metrics.counter('a_total', 'a')).toBe(metrics.counter('a_total', 'a'));
  });

  it.each([
    ['a counter without _total', (m: ServiceMetrics) => m.counter('events', 'x'), /must end in _total/],
    [
      'a histogram without _seconds',
      (m: ServiceMetrics) => m.histogram('latency_ms', 'x'),
      /must end in _seconds/,
    ],
    ['a service name with capitals', () => new ServiceMetrics('Billing'), /lower-case/],
  ])('refuses %s', (_name, create, message) => {
    expect(() => create(new ServiceMetrics('x', { defaultMetrics: false }))).toThrow(message);
  });
});
