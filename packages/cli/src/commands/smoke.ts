import type { Command } from 'commander';
import { type Context, contextOf, examples } from '../context.js';
import { parseDuration } from '../durations.js';
import { ReportedFailure, UsageError } from '../errors.js';
import { INTERRUPTED, SmokeRun, type StepStatus, seconds } from '../smoke-run.js';

interface SmokeOptions {
  readonly timeout: string;
  readonly keep?: boolean;
}

/** `60`, `60s`, `2m`: whole seconds or a duration, at least one second. */
function timeoutOption(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined || ms < 1000) {
    throw new UsageError(`--timeout must be seconds or a duration like 60s or 2m (got ${text})`);
  }
  return ms;
}

/** Every step in order; cleanup last, also after a failure or Ctrl-C. */
async function runSteps(run: SmokeRun, context: Context, keep: boolean): Promise<void> {
  const { target } = context;
  const stack = target.stack;
  try {
    const reached = await run.step('api', () => run.reachApi());
    if (reached) {
      await run.step('endpoints', () => run.createEndpoints());
      await run.step('publish-https', () => run.publishHttps());
      if (run.local || stack !== undefined) {
        await run.step('publish-eventbridge', () => run.publishEventBridge());
      } else {
        run.skip('publish-eventbridge', "give --stack to publish on the stack's bus");
      }
      await run.step('feed', () => run.readFeed());
      await run.step('dead-letter', () => run.awaitDeadLetters());
      await run.step('console', () => run.console());
    } else {
      for (const name of [
        'endpoints',
        'publish-https',
        'publish-eventbridge',
        'feed',
        'dead-letter',
        'console',
      ]) {
        run.skip(name, 'the API was not reachable');
      }
    }
    if (stack !== undefined) {
      await run.step('alarm-topic', () => run.alarmTopic());
      await run.step('dashboard', () => run.dashboard());
    } else {
      const why = run.local ? 'local mode has no alarms or dashboard' : 'give --stack';
      run.skip('alarm-topic', why);
      run.skip('dashboard', why);
    }
  } finally {
    if (keep) {
      const kept = run.created.join(', ');
      run.skip(
        'cleanup',
        `kept for --keep: tenant ${run.tenant}${kept ? ` (${kept}) and its dead letters` : ''}`,
      );
    } else {
      // Cleaning up is not interrupted by the Ctrl-C that led to it.
      const started = performance.now();
      let status: StepStatus = 'PASS';
      let detail: string;
      try {
        detail = await run.cleanUp();
      } catch (error) {
        status = 'FAIL';
        detail = (error as Error).message;
      }
      run.reports.push({
        name: 'cleanup',
        status,
        seconds: seconds(performance.now() - started),
        detail,
      });
    }
  }
}

async function smoke(context: Context, options: SmokeOptions): Promise<void> {
  const timeoutMs = timeoutOption(options.timeout);
  const { out, target } = context;
  const apiUrl = await target.apiUrl();
  const run = new SmokeRun(context, timeoutMs, await target.isLocal());
  out.line(
    `Smoke test of ${apiUrl}${target.stack ? ` (stack ${target.stack})` : ''} in the throwaway tenant ${run.tenant}`,
  );
  let stops = 0;
  const stop = () => {
    stops += 1;
    if (stops > 1) {
      // A second Ctrl-C: the user does not want to wait for the clean-up.
      out.note(`stopped without cleaning up: tenant ${run.tenant} keeps its endpoints`);
      process.exit(130);
    }
    out.note('interrupted: cleaning up (Ctrl-C again to leave it)');
    run.abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const started = performance.now();
  try {
    await runSteps(run, context, options.keep === true);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const failed = run.reports.filter((report) => report.status === 'FAIL');
  const total = seconds(performance.now() - started);
  out.data({
    ok: failed.length === 0 && !run.interrupted,
    apiUrl,
    ...(target.stack !== undefined && { stack: target.stack }),
    tenant: run.tenant,
    seconds: total,
    steps: run.reports.map((r) => ({ ...r, status: r.status.toLowerCase() })),
  });
  const mark = (status: StepStatus) =>
    status === 'PASS'
      ? out.color.green(status)
      : status === 'FAIL'
        ? out.color.red(status)
        : out.color.yellow(status);
  out.line();
  out.table(
    ['STEP', 'RESULT', 'SECONDS', 'DETAIL'],
    run.reports.map((r) => [r.name, mark(r.status), r.seconds.toFixed(1), r.detail]),
  );
  out.line();
  if (failed.length === 0 && !run.interrupted) {
    out.line(`${out.color.green('PASS')}: every step passed or was skipped, in ${total} s`);
    return;
  }
  const stoppedAt = run.reports.find((report) => report.detail === INTERRUPTED)?.name;
  const interrupted = run.interrupted ? `interrupted (Ctrl-C) at ${stoppedAt ?? 'the end'}` : '';
  out.line(
    `${out.color.red('FAIL')}: ${[interrupted, failed.length > 0 && `${failed.length} of ${run.reports.length} steps failed`].filter(Boolean).join('; ')}, in ${total} s`,
  );
  for (const report of failed) {
    process.stderr.write(`hookline: smoke: ${report.name}: ${report.detail}\n`);
  }
  if (interrupted) process.stderr.write(`hookline: smoke: ${interrupted}\n`);
  throw new ReportedFailure(run.interrupted ? 130 : undefined);
}

export function registerSmoke(program: Command): void {
  const command = program
    .command('smoke')
    .summary('test a deployed stack end to end, e.g. after each deploy')
    .description(
      "Test a Hookline end to end in a throwaway tenant, with no public URL: publish over HTTPS and EventBridge, read and verify the signed deliveries from a polling endpoint's feed, see a failing delivery dead-lettered with its reason, check the alarm topic and dashboard (--stack), then remove what it made. Prints a table of steps with timings; exits 1 when a step fails.",
    )
    .option('--timeout <seconds>', 'how long each waiting step waits, e.g. 60 or 2m', '60s')
    .option('--keep', 'leave the tenant, its endpoints and dead letters, to look into a failure')
    .action((options: SmokeOptions, cmd: Command) => smoke(contextOf(cmd), options));
  examples(command, [
    'hookline smoke --stack Hookline-staging',
    'hookline smoke                       # local mode (npm start)',
    'hookline smoke --stack Hookline --timeout 2m --json',
  ]);
}
