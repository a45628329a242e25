import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verify, verifyWebhook, WebhookVerificationError } from '@hookline/receiver';
import { describe, expect, it } from 'vitest';
import { catalogEntries } from '../../lambda/catalog';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');

interface Fixture {
  readonly secret: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const fixtures = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({
    name,
    fixture: JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Fixture,
  }));

/** The moment the fixture was signed: fixtures are old on purpose. */
const signedAt = (fixture: Fixture) => Number(fixture.headers['webhook-timestamp']) * 1000;

describe('@hookline/receiver against the shipped fixtures', () => {
  it('has a fixture for every catalog type and version', () => {
    // Assess
    expect(fixtures.map(({ name }) => name).sort()).toEqual(
      catalogEntries.map((entry) => `${entry.type}.v${entry.version}.json`).sort(),
    );
  });

  it.each(fixtures)('verifies $name', ({ fixture }) => {
    // Act
    const webhook = verifyWebhook(fixture.body, fixture.headers, fixture.secret, {
      now: signedAt(fixture),
    });

    // Assess
    expect(webhook.id).toBe(fixture.headers['webhook-id']);
    expect(webhook.payload).toEqual(JSON.parse(fixture.body));
  });

  it.each(fixtures)('refuses $name when it is replayed today', ({ fixture }) => {
    // Act
    const replay = () => verify(fixture.body, fixture.headers, fixture.secret);

    // Assess
    expect(replay).toThrow(expect.objectContaining({ code: 'timestamp_too_old' }));
    expect(replay).toThrow(WebhookVerificationError);
  });
});
