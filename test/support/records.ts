import type { Endpoint } from '../../lambda/domain/endpoint';

let counter = 0;

/** A small endpoint record; override what the test is about. */
export function anEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  counter++;
  return {
    id: `ep_TEST${String(counter).padStart(22, '0')}`,
    tenant: 'default',
    url: `http://127.0.0.1:9/hook-${counter}`,
    enabled: true,
    secrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    createdAt: '2026-11-27T00:00:00.000Z',
    updatedAt: '2026-11-27T00:00:00.000Z',
    ...overrides,
  };
}
