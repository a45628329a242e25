import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { MemoryFeeds } from '../../lambda/adapters/memory/stores';
import {
  FEED_GAP_WAIT_MS,
  type FeedEntry,
  readablePrefix,
  readFeed,
  type StoredFeedItem,
} from '../../lambda/domain/feed';
import { anEndpoint } from '../support/records';

const NOW = Date.parse('2026-11-28T09:00:00Z');

const item = (seq: number, claimedAt = NOW): StoredFeedItem => ({
  endpointId: 'ep_1',
  eventId: `msg_${seq}`,
  type: 'invoice.paid',
  body: `{"n":${seq}}`,
  seq,
  claimedAt,
});

const entry = (endpointId: string, n: number): FeedEntry => ({
  endpointId,
  eventId: `msg_${n}`,
  type: 'invoice.paid',
  body: `{"type":"invoice.paid","timestamp":"2026-11-28T09:00:00.000Z","data":{"n":${n}}}`,
});

describe('what a feed reader may take', () => {
  it('takes consecutive places and stands on the last', () => {
    const read = readablePrefix([item(4), item(5), item(6)], 3, NOW);
    expect(read.items.map((i) => i.seq)).toEqual([4, 5, 6]);
    expect(read.position).toBe(6);
  });

  it('stops at a hole whose writer may still write it, so nothing is passed over', () => {
    const read = readablePrefix([item(4), item(6), item(7)], 3, NOW);
    expect(read.items.map((i) => i.seq)).toEqual([4]);
    expect(read.position).toBe(4);
  });

  it('skips a hole once the place after it was claimed longer ago than writers may take', () => {
    const old = NOW - FEED_GAP_WAIT_MS - 1;
    const read = readablePrefix([item(6, old), item(7, old)], 3, NOW);
    expect(read.items.map((i) => i.seq)).toEqual([6, 7]);
    expect(read.position).toBe(7);
  });
});

describe('reading a feed', () => {
  it('returns items in order with the push headers, signed at read time', async () => {
    // Prepare
    const feeds = new MemoryFeeds();
    const endpoint = anEndpoint({ type: 'polling', url: undefined });
    await feeds.append(endpoint.id, [entry(endpoint.id, 1), entry(endpoint.id, 2)]);

    // Act
    const read = await readFeed({ feeds, now: Date.now }, endpoint, {
      after: 0,
      limit: 10,
      waitMs: 0,
    });

    // Assess
    expect(read.items.map((i) => i.id)).toEqual(['msg_1', 'msg_2']);
    expect(read.position).toBe(2);
    const verifier = new Webhook(endpoint.secrets[0]?.secret ?? '');
    for (const delivered of read.items) {
      expect(delivered.headers['webhook-id']).toBe(delivered.id);
      expect(delivered.headers['content-type']).toBe('application/json');
      expect(() => verifier.verify(delivered.body, delivered.headers)).not.toThrow();
    }
  });

  it('resumes after its position and pages by limit', async () => {
    const feeds = new MemoryFeeds();
    const endpoint = anEndpoint({ type: 'polling', url: undefined });
    await feeds.append(
      endpoint.id,
      [1, 2, 3, 4, 5].map((n) => entry(endpoint.id, n)),
    );
    const deps = { feeds, now: Date.now };
    const first = await readFeed(deps, endpoint, { after: 0, limit: 2, waitMs: 0 });
    const second = await readFeed(deps, endpoint, { after: first.position, limit: 2, waitMs: 0 });
    const again = await readFeed(deps, endpoint, { after: first.position, limit: 10, waitMs: 0 });
    expect(first.items.map((i) => i.id)).toEqual(['msg_1', 'msg_2']);
    expect(second.items.map((i) => i.id)).toEqual(['msg_3', 'msg_4']);
    expect(again.items.map((i) => i.id)).toEqual(['msg_3', 'msg_4', 'msg_5']);
  });

  it('waits on an empty feed and wakes when something is appended', async () => {
    // Prepare
    const feeds = new MemoryFeeds();
    const endpoint = anEndpoint({ type: 'polling', url: undefined });
    const reading = readFeed({ feeds, now: Date.now }, endpoint, {
      after: 0,
      limit: 10,
      waitMs: 20_000,
    });

    // Act
    setTimeout(() => void feeds.append(endpoint.id, [entry(endpoint.id, 7)]), 50);
    const read = await reading;

    // Assess
    expect(read.items.map((i) => i.id)).toEqual(['msg_7']);
  });

  it('answers an empty page at its old position when nothing arrives in time', async () => {
    const feeds = new MemoryFeeds();
    const endpoint = anEndpoint({ type: 'polling', url: undefined });
    const read = await readFeed({ feeds, now: Date.now }, endpoint, {
      after: 3,
      limit: 10,
      waitMs: 30,
    });
    expect(read).toEqual({ items: [], position: 3 });
  });
});
