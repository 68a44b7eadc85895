import { Controller, Get, HttpStatus, Inject, Param, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CapacityChangedPayload } from '@gridex/contracts';
import { ProblemException } from '@gridex/runtime';
import { InventoryTables } from '../database/inventory-tables';

interface FleetCounts {
  nodes: number;
  readyNodes: number;
  sellableNodes: number;
  verifiedNodes: number;
  gpus: number;
  freeGpus: number;
}

/**
 * What the gateway asks inventory: a supplier's nodes with their status, verification and reliability, and the
 * fleet's counts. Both read the capacity book, so they agree with the capacity feed. (The offer search is
 * matching's: only its order book knows what Gridex has reserved.)
 */
@Controller('v1')
export class CapacityBookController {
  private readonly book: string;

  constructor(
    @Inject(InventoryTables) tables: InventoryTables,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    this.book = tables.capacityBook;
  }

  @Get('suppliers/:supplierId/nodes')
  async supplierNodes(
    @Param('supplierId') supplierId: string,
    @Query('includeRemoved') includeRemoved?: string,
  ): Promise<{ items: CapacityChangedPayload[] }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(supplierId)) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'INVENTORY.INVALID_QUERY',
        'supplierId is not an identifier',
        [{ field: 'supplierId', message: 'must be letters, digits, . _ : -' }],
      );
    }
    const rows: Array<{ state: CapacityChangedPayload }> = await this.dataSource.query(
      `SELECT state FROM ${this.book} WHERE supplier_id = $1 AND ($2 OR NOT (state->>'removed')::boolean)
       ORDER BY state->>'nodeName'`,
      [supplierId, includeRemoved === 'true'],
    );
    return { items: rows.map((row) => row.state) };
  }

  /**
   * The fleet at a glance for operators: per region and GPU product, nodes (all, ready, sellable, verified) and
   * GPUs (all, free on ready nodes), with totals.
   */
  @Get('fleet')
  async fleet() {
    const groups = await this.fleetBy(`state->>'region', state->>'gpuProduct'`, (keys) => ({
      region: keys[0],
      gpuProduct: keys[1],
    }));
    const sum = (field: keyof FleetCounts) => groups.reduce((total, group) => total + group[field], 0);
    return {
      totals: {
        nodes: sum('nodes'),
        readyNodes: sum('readyNodes'),
        sellableNodes: sum('sellableNodes'),
        verifiedNodes: sum('verifiedNodes'),
        gpus: sum('gpus'),
        freeGpus: sum('freeGpus'),
      },
      groups,
    };
  }

  /** The Kubernetes clusters inventory has nodes from (each node carries its cluster id), with their counts. */
  @Get('clusters')
  async clusters() {
    return { items: await this.fleetBy(`state->>'clusterId'`, (keys) => ({ clusterId: keys[0] })) };
  }

  /** Node and GPU counts of the nodes present, grouped by the given expressions over the node state. */
  private async fleetBy<K>(
    groupBy: string,
    keysOf: (keys: string[]) => K,
  ): Promise<Array<K & FleetCounts & { suppliers: number; regions: number }>> {
    const width = groupBy.split(',').length;
    const rows: Array<Record<string, string | number>> = await this.dataSource.query(
      `SELECT ${groupBy
        .split(',')
        .map((expr, i) => `${expr} AS k${i}`)
        .join(', ')},
              count(*)::int AS nodes,
              count(*) FILTER (WHERE (state->>'ready')::boolean)::int AS ready_nodes,
              count(*) FILTER (WHERE (state->>'schedulable')::boolean)::int AS sellable_nodes,
              count(*) FILTER (WHERE state->>'verification' = 'verified')::int AS verified_nodes,
              coalesce(sum((state->>'gpus')::int), 0)::int AS gpus,
              coalesce(sum((state->>'allocatableGpus')::int) FILTER (WHERE (state->>'ready')::boolean), 0)::int
                AS free_gpus,
              count(DISTINCT supplier_id)::int AS suppliers,
              count(DISTINCT state->>'region')::int AS regions
       FROM ${this.book} WHERE NOT (state->>'removed')::boolean
       GROUP BY ${Array.from({ length: width }, (_, i) => i + 1).join(', ')}
       ORDER BY ${Array.from({ length: width }, (_, i) => i + 1).join(', ')}`,
    );
    return rows.map((row) => ({
      ...keysOf(Array.from({ length: width }, (_, i) => String(row[`k${i}`]))),
      nodes: Number(row.nodes),
      readyNodes: Number(row.ready_nodes),
      sellableNodes: Number(row.sellable_nodes),
      verifiedNodes: Number(row.verified_nodes),
      gpus: Number(row.gpus),
      freeGpus: Number(row.free_gpus),
      suppliers: Number(row.suppliers),
      regions: Number(row.regions),
    }));
  }
}
