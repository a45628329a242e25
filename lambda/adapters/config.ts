import type { QueueDefinition, TableDefinition } from '../../lib/resources';
import { ConfigurationError } from '../domain/errors';

/** The one place functions read their environment; a missing variable fails loudly. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is not set`);
  }
  return value;
}

export function optionalEnv(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function numberEnv(name: string, fallback: number): number {
  const raw = optionalEnv(name, String(fallback));
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new ConfigurationError(`environment variable ${name} must be a number, got "${raw}"`);
  }
  return value;
}

export const tableNameOf = (table: TableDefinition): string => requiredEnv(table.envVar);
export const queueUrlOf = (queue: QueueDefinition): string => requiredEnv(queue.envVar);
