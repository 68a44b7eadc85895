import { Inject, Injectable } from '@nestjs/common';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';

export type JobStatus = 'queued' | 'matched' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export interface JobRow {
  job_id: string;
  tenant_id: string;
  name: string | null;
  status: JobStatus;
  reason: string | null;
  reservation_id: string | null;
  attempt: number | null;
  allocation: Array<{ cluster: string; node: string; gpus: number }> | null;
  price_per_gpu_hour_micros: string | null;
  submitted_at: Date;
  timeline: Array<{ at: string; event: string; detail?: string }>;
}

@Injectable()
export class JobsTable {
  readonly table: string;

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    this.table = qualified(config.DATABASE_SCHEMA, 'jobs');
  }
}
