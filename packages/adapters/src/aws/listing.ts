import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentSdk } from "./dynamodb-sdk.js";
import { LISTING_INDEX } from "./table.js";

export interface ListingOptions {
  /** Reads the index's sort key descending. */
  readonly newestFirst?: boolean;
  /** A FilterExpression on the items (DynamoDB still reads, and bills, every item it evaluates). */
  readonly filter?: { readonly expression: string; readonly values: Record<string, unknown> };
  /**
   * Items evaluated by the first query; each next page doubles it, up to DynamoDB's 1,000: a
   * caller that stops early (a listing up to a limit) reads little. Unset: 1 MB pages.
   */
  readonly firstPageSize?: number;
}

/**
 * One collection's (`list_key`) items in the listing index, a page at a time: a caller that
 * has what it needs stops iterating and no further page is read.
 */
export async function* listingPages(documents: DynamoDBDocumentClient, table: string, listKey: string, options: ListingOptions = {}): AsyncGenerator<Record<string, unknown>[]> {
  const { filter } = options;
  let pageSize = options.firstPageSize;
  let start: Record<string, unknown> | undefined;
  do {
    const result = await documents.send(
      new (documentSdk().QueryCommand)({
        TableName: table,
        IndexName: LISTING_INDEX,
        KeyConditionExpression: "list_key = :key",
        ...(filter ? { FilterExpression: filter.expression } : {}),
        ExpressionAttributeValues: { ":key": listKey, ...filter?.values },
        ScanIndexForward: !options.newestFirst,
        ...(pageSize === undefined ? {} : { Limit: pageSize }),
        ExclusiveStartKey: start,
      }),
    );
    yield result.Items ?? [];
    start = result.LastEvaluatedKey;
    if (pageSize !== undefined) pageSize = Math.min(1000, pageSize * 2);
  } while (start);
}

/** Every item one collection (`list_key`) has in the listing index. */
export async function listingItems(documents: DynamoDBDocumentClient, table: string, listKey: string, options: Pick<ListingOptions, "newestFirst"> = {}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of listingPages(documents, table, listKey, options)) items.push(...page);
  return items;
}
