import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { CapacityChangedPayload, DomainError } from '@gridex/contracts';
import { InventoryTables } from '../database/inventory-tables';
import { decodeCursor, encodeCursor, OfferSearchQuerySchema, offerSearchSql } from './offer-search.query';

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** The search over sellable offers, for the HTTP route and the gateway's request-reply alike. */
@Injectable()
export class OfferSearch {
  private readonly book: string;

  constructor(
    @Inject(InventoryTables) tables: InventoryTables,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    this.book = tables.capacityBook;
  }

  /** A page of offers for these query parameters; a DomainError (`invalid`) names what is wrong with them. */
  async search(raw: Record<string, string>): Promise<Page<CapacityChangedPayload>> {
    const parsed = OfferSearchQuerySchema.safeParse(raw);
    if (!parsed.success) {
      throw new DomainError(
        'INVENTORY.INVALID_QUERY',
        'invalid',
        'the offer search has invalid parameters',
        parsed.error.issues.map((issue) => ({
          field: String(issue.path[0] ?? 'query'),
          message: issueMessage(issue),
        })),
      );
    }
    const query = parsed.data;
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && cursor === undefined) {
      throw new DomainError('INVENTORY.INVALID_QUERY', 'invalid', 'cursor is not one this API issued', [
        { field: 'cursor', message: 'pass back the nextCursor of the previous page unchanged' },
      ]);
    }
    const { text, values } = offerSearchSql(this.book, query, cursor);
    const rows: Array<{ sort_key: number; node_id: string; state: CapacityChangedPayload }> =
      await this.dataSource.query(text, values);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => row.state),
      ...(rows.length > query.limit && last
        ? { nextCursor: encodeCursor({ value: Number(last.sort_key), nodeId: last.node_id }) }
        : {}),
    };
  }
}

function issueMessage(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys'
    ? `unknown parameter(s): ${issue.keys.join(', ')}`
    : issue.message;
}
