/**
 * One set of settings rules for every way a setting arrives: cdk.json context, the local
 * `HOOKLINE_*` variables, the function environment the stack sets, and an endpoint's own
 * retry schedule. The same value gets the same verdict and the same message everywhere.
 */
import { describe, expect, it } from 'vitest';
import { retryDelayProblem } from '#shared/durations';
import { queueAttributes } from '#shared/queues';
import {
  defaultSettings,
  localSettingEnvName,
  readSettings,
  settingEnvName,
  settingsEnvironment,
} from '#shared/settings';
import { parseEndpointInput } from '../../lambda/domain/endpoint';
import { BadRequestError } from '../../lambda/domain/errors';
import { configFromEnvironment } from '../../lambda/wiring/environment';
import { resolveSettings, SettingsError } from '../../lib/settings';

/** The problems each reader reports for one setting, without the name it was read under. */
function verdicts(key: string, value: string) {
  const fromContext = (() => {
    try {
      resolveSettings((k) => (k === key ? value : undefined));
      return [];
    } catch (error) {
      if (error instanceof SettingsError) return error.problems;
      throw error;
    }
  })();
  const fromLocal = readSettings((k) => (k === key ? value : undefined), {
    profile: 'local',
    label: localSettingEnvName,
  }).problems;
  const withoutName = (problems: readonly string[]) =>
    problems.map((problem) => problem.slice(problem.indexOf(':')));
  return { context: withoutName(fromContext), local: withoutName(fromLocal) };
}

const endpointSchedule = (delay: string) => {
  try {
    parseEndpointInput(
      { url: 'https://example.com/hook', retrySchedule: [delay] },
      {
        allowPrivateTargets: false,
      },
    );
    return 'accepted';
  } catch (error) {
    if (error instanceof BadRequestError) return 'refused';
    throw error;
  }
};

describe('retry delays', () => {
  it.each(['500ms', '0.5s', '13h', '1d', '5 minutes'])(
    '%s is refused the same way from cdk.json, locally and on an endpoint',
    (delay) => {
      // Act
      const { context, local } = verdicts('retrySchedule', delay);

      // Assess
      expect(context).toHaveLength(1);
      expect(local).toEqual(context);
      expect(context[0]).toContain(retryDelayProblem(delay));
      expect(endpointSchedule(delay)).toBe('refused');
    },
  );

  it.each(['1s', '1.5m', '90s', '2h', '12h', '0.5h'])('%s is a delay everywhere', (delay) => {
    // Act
    const { context, local } = verdicts('retrySchedule', delay);

    // Assess
    expect(context).toEqual([]);
    expect(local).toEqual([]);
    expect(endpointSchedule(delay)).toBe('accepted');
  });
});

describe('the local profile', () => {
  it('lets local mode disable an endpoint after seconds, which a deployment refuses', () => {
    // Act
    const { context, local } = verdicts('autoDisableAfterSeconds', '3');

    // Assess
    expect(local).toEqual([]);
    expect(context).toEqual([': must be between 3600 and 2592000 (got "3")']);
  });

  it('names the variable a bad value came from', () => {
    // Act
    const { problems } = readSettings((k) => (k === 'maxAttempts' ? '0' : undefined), {
      profile: 'local',
      label: localSettingEnvName,
    });

    // Assess
    expect(problems).toEqual(['HOOKLINE_MAX_ATTEMPTS: must be between 1 and 100 (got "0")']);
  });
});

describe('the function environment', () => {
  it('reads back exactly the settings the stack wrote into it', () => {
    // Prepare
    const settings = {
      ...defaultSettings,
      retrySchedule: ['30s', '1.5m'],
      maxAttempts: 9,
      circuitBreakerCooldownSeconds: 45,
    };

    // Act
    const config = configFromEnvironment(settingsEnvironment(settings));

    // Assess: all but the settings only the infrastructure uses, which keep their defaults.
    expect(config.settings).toEqual({
      ...settings,
      dispatchBatchSize: defaultSettings.dispatchBatchSize,
      maxReceiveCount: defaultSettings.maxReceiveCount,
    });
  });

  it('fails loudly on a value no deployment could have set, naming the variable', () => {
    // Act
    const reading = () => configFromEnvironment({ [settingEnvName('maxAttempts')]: 'six' });

    // Assess
    expect(reading).toThrow(/MAX_ATTEMPTS: must be an integer \(got "six"\)/);
  });
});

describe('queues', () => {
  it('hide a delivery six dispatcher timeouts in AWS and one plus 5 s locally', () => {
    // Act
    const aws = queueAttributes('delivery', 'aws', defaultSettings);
    const local = queueAttributes('delivery', 'local', defaultSettings);

    // Assess
    expect(aws).toEqual({
      retentionSeconds: 14 * 86_400,
      visibilityTimeoutSeconds: 150,
      redrive: { deadLetterQueue: 'deadLetter', maxReceiveCount: 100 },
    });
    expect(local).toEqual({ ...aws, visibilityTimeoutSeconds: 30 });
  });

  it('keep a job page for five receives and a bus entry without any settings', () => {
    // Act
    const jobs = queueAttributes('jobs', 'aws', defaultSettings);
    const ingestDlq = queueAttributes('ingestDeadLetter', 'aws');

    // Assess
    expect(jobs.redrive).toEqual({ deadLetterQueue: 'jobsDeadLetter', maxReceiveCount: 5 });
    expect(ingestDlq).toEqual({ retentionSeconds: 14 * 86_400 });
    expect(() => queueAttributes('delivery', 'aws')).toThrow(/follows the settings/);
  });
});
