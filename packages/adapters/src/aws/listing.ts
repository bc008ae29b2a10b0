import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentSdk } from "./dynamodb-sdk.js";
import { LISTING_INDEX } from "./table.js";

/** One partition of a listing GSI: the index, its hash key attribute and the partition's value. */
export interface ListingPartition {
  readonly index: string;
  readonly hashKey: string;
  readonly value: string;
}

/** One collection (`list_key`: `notebooks`, `tasks`, `jobs`) of the `listing` index. */
export const collection = (listKey: string): ListingPartition => ({ index: LISTING_INDEX, hashKey: "list_key", value: listKey });

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
 * One partition's items in a listing index, a page at a time: a caller that has what it needs
 * stops iterating and no further page is read.
 */
export async function* listingPages(documents: DynamoDBDocumentClient, table: string, partition: ListingPartition, options: ListingOptions = {}): AsyncGenerator<Record<string, unknown>[]> {
  const { filter } = options;
  let pageSize = options.firstPageSize;
  let start: Record<string, unknown> | undefined;
  do {
    const result = await documents.send(
      new (documentSdk().QueryCommand)({
        TableName: table,
        IndexName: partition.index,
        KeyConditionExpression: "#partition = :partition",
        ...(filter ? { FilterExpression: filter.expression } : {}),
        ExpressionAttributeNames: { "#partition": partition.hashKey },
        ExpressionAttributeValues: { ":partition": partition.value, ...filter?.values },
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
  for await (const page of listingPages(documents, table, collection(listKey), options)) items.push(...page);
  return items;
}
