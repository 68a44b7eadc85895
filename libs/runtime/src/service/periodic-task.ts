import { Logger } from '@nestjs/common';

/**
 * Runs `pass` every `intervalMs`, never two at once in this process (a pass that overruns the interval skips
 * the next tick instead of piling up), and waits for the pass in flight on stop. A failed pass is logged and
 * the next tick tries again. Cross-replica exclusion is the pass's own business (an advisory lock).
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
  }

  /** One pass now, unless one is already running (then that one is awaited). */
  runOnce(): Promise<void> {
    this.inFlight ??= this.pass()
      .catch((error: Error) => this.logger.warn(`${this.what} failed, will retry: ${error.message}`))
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }
}
