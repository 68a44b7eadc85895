import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { epochAt } from '../domain/epochs';
import { RewardsTables } from '../rewards-tables';

/**
 * Which epoch is open: the one whose uptime is accruing. It starts at the epoch containing the service's first
 * start and only moves forward, one epoch per close.
 */
@Injectable()
export class EpochClock {
  constructor(@Inject(RewardsTables) private readonly tables: RewardsTables) {}

  async openEpoch(tx: EntityManager, now: Date): Promise<number> {
    await tx.query(
      `INSERT INTO ${this.tables.epochClock} (singleton, open_epoch) VALUES (true, $1) ON CONFLICT DO NOTHING`,
      [epochAt(this.tables.calendar, now)],
    );
    const [{ open_epoch }]: Array<{ open_epoch: number }> = await tx.query(
      `SELECT open_epoch FROM ${this.tables.epochClock}`,
    );
    return open_epoch;
  }
}
