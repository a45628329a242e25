import { describe, expect, it } from 'vitest';
import { exampleOf } from '../../lambda/domain/catalog';
import {
  BadRequestError,
  PayloadTooLargeError,
  UnprocessableError,
} from '../../lambda/domain/errors';
import {
  assertEventSize,
  deliveryBody,
  MAX_EVENT_BYTES,
  parseEventInput,
  requestHash,
} from '../../lambda/domain/event';

const paid = () => ({ type: 'invoice.paid', data: exampleOf('invoice.paid') });

function problemOf(action: () => unknown) {
  try {
    action();
  } catch (error) {
    return error as BadRequestError;
  }
  throw new Error('expected a rejection');
}

describe('published event input', () => {
  it('defaults the tenant and validates against the latest schema version', () => {
    // Act
    const input = parseEventInput(paid());

    // Assess
    expect(input).toMatchObject({ type: 'invoice.paid', tenant: 'default', version: 1 });
    expect(input.id).toBeUndefined();
  });

  it('normalises a given timestamp to UTC ISO-8601', () => {
    const input = parseEventInput({ ...paid(), timestamp: '2026-11-27T10:30:00+01:00' });
    expect(input.timestamp).toBe('2026-11-27T09:30:00.000Z');
  });

  it.each([
    [{ data: {} }, '/type'],
    [{ type: 'Invoice Paid', data: {} }, '/type'],
    [{ type: 'invoice.paid' }, '/data'],
    [{ ...paid(), tenant: 'has spaces' }, '/tenant'],
    [{ ...paid(), id: 'x'.repeat(200) }, '/id'],
    [{ ...paid(), timestamp: 'yesterday' }, '/timestamp'],
    [{ ...paid(), extra: true }, '/extra'],
  ])('rejects %j naming %s', (body, field) => {
    const error = problemOf(() => parseEventInput(body));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.errors.map((e) => e.field)).toContain(field);
  });

  it('answers 422 for an unknown type and for data that breaks the schema', () => {
    expect(problemOf(() => parseEventInput({ type: 'invoice.lost', data: {} }))).toBeInstanceOf(
      UnprocessableError,
    );
    const error = problemOf(() =>
      parseEventInput({ type: 'invoice.paid', data: { amount: 'ten' } }),
    );
    expect(error.status).toBe(422);
    expect(error.errors.map((e) => e.field)).toContain('/data/amount');
  });

  it('prefixes field names with the batch position', () => {
    const error = problemOf(() => parseEventInput({ data: {} }, '/events/7'));
    expect(error.errors[0]?.field).toBe('/events/7/type');
  });

  it('refuses events over 256 KiB with 413', () => {
    const big = JSON.stringify({ pad: 'x'.repeat(MAX_EVENT_BYTES) });
    expect(problemOf(() => assertEventSize(big))).toBeInstanceOf(PayloadTooLargeError);
    expect(() => assertEventSize(JSON.stringify(paid()))).not.toThrow();
  });
});

describe('delivery body and request hash', () => {
  it('is exactly {type,timestamp,data} in that order', () => {
    const body = deliveryBody({
      data: { a: 1 },
      timestamp: '2026-11-27T00:00:00.000Z',
      type: 'x.y',
    });
    expect(body).toBe('{"type":"x.y","timestamp":"2026-11-27T00:00:00.000Z","data":{"a":1}}');
  });

  it('hashes the same request the same whatever the key order, and a different one differently', () => {
    const a = parseEventInput({ type: 'invoice.paid', data: exampleOf('invoice.paid') });
    const reordered = Object.fromEntries(
      Object.entries(exampleOf('invoice.paid') as object).reverse(),
    );
    const b = parseEventInput({ data: reordered, type: 'invoice.paid' });
    const c = parseEventInput({
      type: 'invoice.paid',
      data: exampleOf('invoice.paid'),
      tenant: 'acme',
    });
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).not.toBe(requestHash(c));
  });
});
