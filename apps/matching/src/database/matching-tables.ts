import { Inject, Injectable } from '@nestjs/common';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';

/** Matching's tables, qualified with its schema, for raw SQL. */
@Injectable()
export class MatchingTables {
  readonly jobs: string;
  readonly reservations: string;
  readonly nodeReservations: string;
  readonly nodeReservationChanges: string;
  readonly tenantShares: string;

  constructor(@Inject(SERVICE_CONFIG) config: MatchingConfig) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.jobs = table('jobs');
    this.reservations = table('reservations');
    this.nodeReservations = table('node_reservations');
    this.nodeReservationChanges = table('node_reservation_changes');
    this.tenantShares = table('tenant_shares');
  }
}
