import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { USER_AGENT } from '#shared/functions';
import {
  FIXTURE_EVENT_TIMESTAMP,
  FIXTURE_SECRET,
  type Fixture,
  fixturePath,
} from '../../docgen/fixtures';
import { catalogEntries } from '../../lambda/catalog/index';
import { validateEventData } from '../../lambda/domain/catalog';
import { deliveryBody } from '../../lambda/domain/event';
import { isGeneratedEventId } from '../../lambda/domain/ids';

const root = join(import.meta.dirname, '..', '..');

const readFixture = (path: string): Fixture =>
  JSON.parse(readFileSync(join(root, path), 'utf8')) as Fixture;

/** Verifies as of the fixture's own signing time: its timestamp is old on purpose. */
function verifyAtSigningTime(fixture: Fixture): unknown {
  vi.useFakeTimers({ now: Number(fixture.headers['webhook-timestamp']) * 1000, toFake: ['Date'] });
  try {
    return new Webhook(fixture.secret).verify(fixture.body, fixture.headers);
  } finally {
    vi.useRealTimers();
  }
}

const entries = catalogEntries.map((entry) => [fixturePath(entry), entry] as const);

describe('signed fixtures', () => {
  afterEach(() => vi.useRealTimers());

  it.each(entries)('%s verifies with the standardwebhooks library', (path) => {
    // Prepare
    const fixture = readFixture(path);

    // Act
    const verified = verifyAtSigningTime(fixture);

    // Assess
    expect(verified).toEqual(JSON.parse(fixture.body));
  });

  it.each(entries)('%s is refused at the real time: its timestamp is old', (path) => {
    // Prepare
    const fixture = readFixture(path);

    // Act
    const verify = () => new Webhook(fixture.secret).verify(fixture.body, fixture.headers);

    // Assess
    expect(verify).toThrow(/too old/);
  });

  it.each(entries)("%s has the catalog example in Hookline's exact body", (path, entry) => {
    // Prepare
    const fixture = readFixture(path);
    const envelope = { type: entry.type, timestamp: FIXTURE_EVENT_TIMESTAMP, data: entry.example };

    // Act
    const body: unknown = JSON.parse(fixture.body);

    // Assess
    expect(body).toEqual(envelope);
    expect(fixture.body).toBe(deliveryBody(envelope));
  });

  it.each(entries)("%s carries data that passes the catalog's schema", (path, entry) => {
    // Prepare
    const { data } = JSON.parse(readFixture(path).body) as { data: unknown };

    // Act
    const version = validateEventData(entry.type, data, entry.version);

    // Assess
    expect(version).toBe(entry.version);
  });

  it.each(entries)('%s has the headers Hookline sends', (path) => {
    // Act
    const fixture = readFixture(path);

    // Assess
    expect(Object.keys(fixture)).toEqual(['secret', 'headers', 'body']);
    expect(fixture.secret).toBe(FIXTURE_SECRET);
    expect(fixture.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
    });
    expect(isGeneratedEventId(fixture.headers['webhook-id'])).toBe(true);
    expect(fixture.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  const tamperings: readonly [string, (fixture: Fixture) => Fixture][] = [
    ['a byte of the body', (f) => ({ ...f, body: f.body.replace('"data":{', '"data":{ ') })],
    [
      'a value in the body',
      (f) => ({ ...f, body: f.body.replace(FIXTURE_EVENT_TIMESTAMP, '2026-11-27T10:00:01.000Z') }),
    ],
    [
      'the webhook-id',
      (f) => ({
        ...f,
        headers: { ...f.headers, 'webhook-id': f.headers['webhook-id'].replace(/00$/, '01') },
      }),
    ],
    [
      'the webhook-timestamp',
      (f) => ({
        ...f,
        headers: {
          ...f.headers,
          'webhook-timestamp': String(Number(f.headers['webhook-timestamp']) - 1),
        },
      }),
    ],
  ];

  it.each(
    entries.flatMap(([path]) => tamperings.map(([what, tamper]) => [path, what, tamper] as const)),
  )('%s fails verification when %s changes', (path, _what, tamper) => {
    // Prepare
    const fixture = readFixture(path);
    const tampered = tamper(fixture);
    expect(tampered).not.toEqual(fixture);

    // Act
    const verify = () => verifyAtSigningTime(tampered);

    // Assess
    expect(verify).toThrow(/No matching signature found/);
  });

  it('gives every fixture its own webhook-id', () => {
    // Act
    const ids = entries.map(([path]) => readFixture(path).headers['webhook-id']);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
  });
});
