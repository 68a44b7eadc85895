import { Controller, Get, HttpStatus, Inject, Param, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CapacityChangedPayload } from '@gridex/contracts';
import { ProblemException } from '@gridex/runtime';
import { InventoryTables } from '../database/inventory-tables';
import { OfferSearch, Page } from './offer-search.service';

/**
 * What the gateway asks inventory: a supplier's nodes with their status, verification and reliability, and a
 * search over sellable offers. Both read the capacity book, so they agree with the capacity feed.
 */
@Controller('v1')
export class CapacityBookController {
  private readonly book: string;

  constructor(
    @Inject(InventoryTables) tables: InventoryTables,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OfferSearch) private readonly offers: OfferSearch,
  ) {
    this.book = tables.capacityBook;
  }

  @Get('suppliers/:supplierId/nodes')
  async supplierNodes(
    @Param('supplierId') supplierId: string,
    @Query('includeRemoved') includeRemoved?: string,
  ): Promise<Page<CapacityChangedPayload>> {
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

  @Get('offers')
  searchOffers(@Query() raw: Record<string, string>): Promise<Page<CapacityChangedPayload>> {
    return this.offers.search(raw);
  }
}
