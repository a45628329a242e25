import { describe, expect, it } from 'vitest';
import { catalog, exampleOf, validateEventData } from '../../lambda/domain/catalog';
import { UnprocessableError } from '../../lambda/domain/errors';
import { matchesEventType } from '../../lambda/domain/subscriptions';

describe('event catalog', () => {
  it('lists at least three versioned resource.action types, each with schema and example', () => {
    // Act
    const entries = catalog();

    // Assess
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const entry of entries) {
      expect(entry.type).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/);
      expect(entry.version).toBeGreaterThanOrEqual(1);
      expect(entry.schema).toHaveProperty('type', 'object');
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });

  it('accepts every documented example against its own schema', () => {
    for (const entry of catalog()) {
      expect(validateEventData(entry.type, entry.example, entry.version)).toBe(entry.version);
      expect(exampleOf(entry.type)).toEqual(entry.example);
    }
  });

  it('names every field that violates the schema', () => {
    // Prepare
    const data = { ...(exampleOf('invoice.paid') as object), amount: -1, currency: 'euro' };
    delete (data as Record<string, unknown>).invoiceId;

    // Act
    const error = (() => {
      try {
        validateEventData('invoice.paid', data);
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(UnprocessableError);
    const fields = (error as UnprocessableError).errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['/data/invoiceId', '/data/amount', '/data/currency']),
    );
  });

  it('rejects unknown types and unknown versions with the field named', () => {
    expect(() => validateEventData('invoice.exploded', {})).toThrow(/unknown event type/);
    try {
      validateEventData('invoice.paid', exampleOf('invoice.paid'), 9);
    } catch (error) {
      expect((error as UnprocessableError).errors[0]?.field).toBe('/version');
    }
    expect.assertions(2);
  });
});

describe('endpoint event-type filters', () => {
  it.each([
    [undefined, 'invoice.paid', true],
    [[], 'invoice.paid', true],
    [['invoice.paid'], 'invoice.paid', true],
    [['invoice.paid'], 'invoice.payment_failed', false],
    [['invoice.*'], 'invoice.payment_failed', true],
    [['invoice.*'], 'invoices.paid', false],
    [['customer.created', 'subscription.*'], 'subscription.canceled', true],
    [['customer.created', 'subscription.*'], 'invoice.paid', false],
  ])('filters %j on %s → %s', (filters, type, expected) => {
    expect(matchesEventType(filters, type)).toBe(expected);
  });
});
