import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';
import type { Behaviour, ReceiverCommand, ReceiverRecord } from './receiver';

// The worker runs under Node's own type stripping: it imports types only, so these live here.
/** Appended to the path of the record of a request answered 500 on purpose (receiver.ts: FAILED). */
const FAILED = '!failed';

/** FNV-1a of a webhook-id, modulo 100: decides which deliveries fail their first attempt. */
function percentileOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

/**
 * The benchmark receiver, in its own thread so that it does not share an event loop with the
 * sender it measures. Lean on purpose: it keeps no bodies or headers, only what a figure needs.
 */
const port = parentPort;
if (!port) throw new Error('receiver-worker runs as a worker thread');

/** Marks the record of a delayed answer that reached its sender, after the path. */
const ANSWERED = '!answered';
const behaviours = new Map<string, Behaviour>();
const counts = new Map<string, number>();
const hanging = new Set<ServerResponse>();
/** `path webhook-id` of the deliveries already failed once (failFirstPercent). */
const failedOnce = new Set<string>();
let records: ReceiverRecord[] = [];
let recording = false;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const at = Date.now();
    const path = request.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const header = request.headers['webhook-id'];
    const id = typeof header === 'string' ? header : '';
    const behaviour = behaviours.get(path);
    if (behaviour?.failFirstPercent && percentileOf(id) < behaviour.failFirstPercent) {
      const key = `${path} ${id}`;
      if (!failedOnce.has(key)) {
        failedOnce.add(key);
        if (recording) records.push([`${path}${FAILED}`, id, at]);
        response.writeHead(500).end();
        return;
      }
    }
    if (recording) records.push([path, id, at]);
    if (behaviour?.hang) {
      hanging.add(response);
      response.on('close', () => hanging.delete(response));
      return;
    }
    if (behaviour?.delayMs) {
      setTimeout(() => {
        // A sender that gave up never got this answer: only an answer it got is a delivery.
        if (response.destroyed || request.socket.destroyed) return;
        response.writeHead(204).end();
        if (recording) records.push([`${path}${ANSWERED}`, id, Date.now()]);
      }, behaviour.delayMs);
      return;
    }
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;

server.listen(0, '127.0.0.1', () => {
  port.postMessage({ ready: (server.address() as AddressInfo).port });
});

port.on('message', (command: ReceiverCommand) => {
  const reply = (value: unknown) => port.postMessage({ id: command.id, value });
  switch (command.cmd) {
    case 'behave':
      if (command.behaviour) behaviours.set(command.path, command.behaviour);
      else behaviours.delete(command.path);
      reply(true);
      break;
    case 'record':
      recording = command.on;
      if (command.on) records = [];
      reply(true);
      break;
    case 'collect':
      reply(records);
      break;
    case 'counts':
      reply(Object.fromEntries(counts));
      break;
    case 'stop':
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      server.close(() => reply(true));
      break;
  }
});
