import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { ClusterApi } from './cluster-api.port';
import { tenantObjects } from './workload-manifests';
import { tenantNamespace } from './workload-names';

/**
 * Each tenant's namespace and guard rails, made once: before its first workload. The table remembers which
 * tenants have one across restarts; this process also keeps them in memory, so a start costs no query.
 */
@Injectable()
export class TenantNamespaces {
  private readonly table: string;
  private readonly ensured = new Set<string>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ClusterApi) private readonly cluster: ClusterApi,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'tenant_namespaces');
  }

  /** Makes the tenant's namespace if it was never made (every create tolerates "already exists"). */
  async ensure(tenantId: string): Promise<void> {
    if (this.ensured.has(tenantId)) return;
    const [known] = await this.dataSource.query(`SELECT 1 FROM ${this.table} WHERE tenant_id = $1`, [
      tenantId,
    ]);
    if (!known) {
      await this.cluster.createTenant(
        tenantObjects(tenantId, {
          gpuQuota: this.config.TENANT_GPU_QUOTA,
          egressCidrs: this.config.TENANT_EGRESS_CIDRS,
          defaultCpu: this.config.TENANT_DEFAULT_CPU,
          defaultMemory: this.config.TENANT_DEFAULT_MEMORY,
        }),
      );
      await this.dataSource.query(
        `INSERT INTO ${this.table} (tenant_id, namespace, ensured_at) VALUES ($1, $2, now())
         ON CONFLICT (tenant_id) DO NOTHING`,
        [tenantId, tenantNamespace(tenantId)],
      );
    }
    this.ensured.add(tenantId);
  }

  /** Forgets that the tenant's namespace was made (it was deleted behind our back), so the next start makes it. */
  async forget(tenantId: string): Promise<void> {
    this.ensured.delete(tenantId);
    // On its own connection: the caller's transaction is about to fail and roll back.
    await this.dataSource.query(`DELETE FROM ${this.table} WHERE tenant_id = $1`, [tenantId]);
  }
}
