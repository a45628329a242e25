import { lookup } from 'node:dns/promises';
import type { ResolveHost } from '../../domain/endpoint';

/** Every address the system resolver gives for a name, as the sender will see them. */
export const resolveHost: ResolveHost = async (hostname) => {
  const answers = await lookup(hostname.replace(/^\[(.*)\]$/, '$1'), { all: true });
  return answers.map((answer) => answer.address);
};
