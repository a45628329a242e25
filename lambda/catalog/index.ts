import customerCreatedV1 from './customer.created.v1.json';
import invoicePaidV1 from './invoice.paid.v1.json';
import invoicePaymentFailedV1 from './invoice.payment_failed.v1.json';
import subscriptionCanceledV1 from './subscription.canceled.v1.json';

/** One entry per event type and version; add a JSON file and list it here to publish a type. */
export interface CatalogEntry {
  readonly type: string;
  readonly version: number;
  readonly description: string;
  readonly schema: Record<string, unknown>;
  readonly example: unknown;
}

export const catalogEntries: readonly CatalogEntry[] = [
  customerCreatedV1,
  invoicePaidV1,
  invoicePaymentFailedV1,
  subscriptionCanceledV1,
];
