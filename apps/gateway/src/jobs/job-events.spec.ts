import { JobStatus, TimelineEntry } from '../domain/job-status';
import { eventsAfter, streamEnds } from './job-events.controller';

describe('a job event stream', () => {
  it.each<[JobStatus, string | null, boolean]>([
    ['queued', null, false],
    ['matched', null, false],
    ['running', null, false],
    ['succeeded', null, true],
    ['cancelled', 'cancelled', true],
    ['expired', null, true],
    ['failed', 'oom', true],
    ['failed', 'insufficient-credit', true],
    // Matching may fail it over: the stream waits for the next placement.
    ['failed', 'node-lost', false],
  ])('%s (%s) ends the stream: %s', (status, reason, ends) => {
    expect(streamEnds(status, reason)).toBe(ends);
  });

  const timeline: TimelineEntry[] = [
    { at: 't0', event: 'submitted' },
    { at: 't1', event: 'matched', detail: '1 node(s), attempt 0' },
    { at: 't2', event: 'running' },
  ];

  it.each<[string, number, number[]]>([
    ['from the start', -1, [0, 1, 2]],
    ['after a Last-Event-ID', 0, [1, 2]],
    ['nothing new', 2, []],
  ])('sends the entries %s, numbered by their place in the timeline', (_name, sent, indexes) => {
    const events = eventsAfter(sent, timeline, 'running');
    expect(events.map((e) => e.index)).toEqual(indexes);
    for (const event of events) expect(event).toMatchObject({ ...timeline[event.index], status: 'running' });
  });
});
