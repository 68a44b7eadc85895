/**
 * The states of a job, as matching keeps it and as the public API shows it (`GET /v1/jobs/{id}`): queued until
 * placed, matched once capacity is reserved, running once its pods run, then one of the four ends.
 */
export const JOB_STATES = [
  'queued',
  'matched',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
] as const;
export type JobState = (typeof JOB_STATES)[number];
