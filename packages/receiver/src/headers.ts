/** Request headers as Node, Express, API Gateway or the fetch API hand them over. */
export type WebhookHeaders =
  | Headers
  | { readonly [name: string]: string | readonly string[] | undefined | null };

export const WEBHOOK_ID = 'webhook-id';
export const WEBHOOK_TIMESTAMP = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE = 'webhook-signature';

/** One header's value, whatever the case of its name; a repeated header's values joined by a space. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && !isPlainRecord(headers)) {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined | null>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(' ');
}

function isPlainRecord(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
