/**
 * Stages side by side: `-c stage=staging` and `-c stage=prod` make two independent stacks,
 * `Hookline-staging` and `Hookline-prod`, whose every physical name and metrics namespace
 * derives from the stack name. Without a stage the stack is `Hookline`, named as it always
 * was, so a stack deployed before stages existed updates in place.
 *
 * Per-stage settings live in cdk.json's `stages` object, one block per stage; a stage's
 * block wins over the top-level keys, which every stage shares.
 */

/** The stack name without a stage, and the prefix of every staged one. */
export const BASE_STACK_NAME = 'Hookline';

/** Context keys: the chosen stage, and the per-stage blocks of settings. */
export const STAGE_CONTEXT_KEY = 'stage';
export const STAGES_CONTEXT_KEY = 'stages';

/**
 * Lower case, so the bus name derived from it is the stack name in lower case; short, so
 * alarm names and the KMS alias stay readable and far from their limits.
 */
const STAGE_NAME = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;

export interface StageSelection {
  /** `undefined` for the unstaged stack `Hookline`. */
  readonly stage: string | undefined;
  readonly stackName: string;
  /** A setting's value: from the stage's block when it has the key, else from the context. */
  readonly lookup: (key: string) => unknown;
  /** How a problem names a setting: `stages.prod.maxAttempts` when it came from a block. */
  readonly label: (key: string) => string;
  readonly problems: readonly string[];
}

/** The stack name of a stage. */
export const stackNameOf = (stage: string | undefined): string =>
  stage === undefined ? BASE_STACK_NAME : `${BASE_STACK_NAME}-${stage}`;

/** The default bus of a stack: `hookline` for `Hookline`, `hookline-prod` for `Hookline-prod`. */
export const defaultEventBusName = (stackName: string): string => stackName.toLowerCase();

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads `stage` and `stages` through `context` and returns how to read the chosen stage's
 * settings. `settingKeys` are the keys a stage's block may hold: anything else in a block is
 * a problem, so a misspelt setting cannot hide there.
 */
export function selectStage(
  context: (key: string) => unknown,
  settingKeys: readonly string[],
): StageSelection {
  const problems: string[] = [];
  const rawStages = context(STAGES_CONTEXT_KEY) ?? {};
  const stages = isRecord(rawStages) ? rawStages : {};
  if (!isRecord(rawStages)) {
    problems.push(`${STAGES_CONTEXT_KEY}: must be an object of stage name → settings`);
  }
  for (const [name, block] of Object.entries(stages)) {
    if (!STAGE_NAME.test(name)) {
      problems.push(`${STAGES_CONTEXT_KEY}.${name}: ${stageNameRule}`);
    } else if (!isRecord(block)) {
      problems.push(`${STAGES_CONTEXT_KEY}.${name}: must be an object of settings`);
    } else {
      for (const key of Object.keys(block).filter((k) => !settingKeys.includes(k))) {
        problems.push(`${STAGES_CONTEXT_KEY}.${name}.${key}: not a Hookline setting`);
      }
    }
  }

  const stage = chosenStage(context(STAGE_CONTEXT_KEY), Object.keys(stages), problems);
  const block = stage !== undefined && isRecord(stages[stage]) ? stages[stage] : {};
  const fromBlock = (key: string) => Object.hasOwn(block, key);
  return {
    stage,
    stackName: stackNameOf(stage),
    lookup: (key) => (fromBlock(key) ? block[key] : context(key)),
    label: (key) => (fromBlock(key) ? `${STAGES_CONTEXT_KEY}.${stage}.${key}` : key),
    problems,
  };
}

const stageNameRule =
  'a stage name must be 1-20 characters of a-z 0-9 -, starting with a letter and not ending with -';

function chosenStage(
  raw: unknown,
  known: readonly string[],
  problems: string[],
): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !STAGE_NAME.test(raw)) {
    problems.push(`${STAGE_CONTEXT_KEY}: ${stageNameRule} (got ${JSON.stringify(raw)})`);
    return undefined;
  }
  // A typo would otherwise deploy a whole new stack next to the ones it meant.
  if (!known.includes(raw)) {
    const listed = known.length > 0 ? known.join(', ') : 'none';
    problems.push(
      `${STAGE_CONTEXT_KEY}: "${raw}" is not a stage of cdk.json (${STAGES_CONTEXT_KEY}: ${listed}); add "${raw}": {} to "${STAGES_CONTEXT_KEY}" to make it one`,
    );
    return undefined;
  }
  return raw;
}
