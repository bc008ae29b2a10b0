import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentSdk } from "./dynamodb-sdk.js";
import { LISTING_INDEX } from "./table.js";

/**
 * Every item one collection (`list_key`) has in the listing index, page after page through the
 * SDK's paginator; `newestFirst` reads the index's sort key descending.
 */
export async function listingItems(documents: DynamoDBDocumentClient, table: string, listKey: string, options: { newestFirst?: boolean } = {}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = documentSdk().paginateQuery(
    { client: documents },
    {
      TableName: table,
      IndexName: LISTING_INDEX,
      KeyConditionExpression: "list_key = :key",
      ExpressionAttributeValues: { ":key": listKey },
      ScanIndexForward: !options.newestFirst,
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}
