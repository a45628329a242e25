import { describe, expect, it } from 'vitest';
import { plural } from '../../packages/cli/src/output';

describe('counts in the CLI’s sentences', () => {
  it('reads as English for one, several, and words ending in y', () => {
    expect(plural(1, 'delivery')).toBe('1 delivery');
    expect(plural(2, 'delivery')).toBe('2 deliveries');
    expect(plural(0, 'event')).toBe('0 events');
    expect(plural(3, 'dead letter')).toBe('3 dead letters');
  });
});
