import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const MAX_ITEMS_PER_BATCH = 25;
const MAX_ROUNDS = 8;

/**
 * Puts items 25 at a time, retrying unprocessed ones with backoff; throws if any remain, or
 * if `deadline` (epoch ms) passes first: a request still under way then is aborted.
 */
export async function batchPut(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  deadline?: number,
): Promise<void> {
  const timeLeft = () => {
    if (deadline === undefined) return undefined;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`writing ${tableName} did not finish in time`);
    return left;
  };
  for (let start = 0; start < items.length; start += MAX_ITEMS_PER_BATCH) {
    let requests = items
      .slice(start, start + MAX_ITEMS_PER_BATCH)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new Error(`${requests.length} items stayed unprocessed writing ${tableName}`);
      }
      if (round > 0) await sleep(25 * 2 ** round);
      const left = timeLeft();
      const result = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
        left === undefined ? {} : { abortSignal: AbortSignal.timeout(left) },
      );
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}
