// Runs the shipped verifying function bundle once, as Lambda would: the event on stdin, the
// result on stdout. A child process so the bundle sees only the environment the test gives it.
import { pathToFileURL } from 'node:url';

const [bundle] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const events = JSON.parse(Buffer.concat(chunks).toString());
const { handler } = await import(pathToFileURL(bundle).href);
const context = {
  functionName: 'receiver',
  awsRequestId: 'test',
  getRemainingTimeInMillis: () => 10_000,
};
const results = [];
for (const event of events) {
  try {
    results.push(await handler(event, context));
  } catch (error) {
    results.push({ thrown: String(error) });
  }
}
process.stdout.write(JSON.stringify(results));
