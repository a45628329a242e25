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
 * A stage's block may name its stack, so a stack deployed before stages (`Hookline`) can
 * become a stage without being replaced: `"prod": {"stackName": "Hookline"}`.
 */
export const STACK_NAME_KEY = 'stackName';

/** CloudFormation's rule for stack names. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

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
      const unknown = Object.keys(block).filter(
        (k) => k !== STACK_NAME_KEY && !settingKeys.includes(k),
      );
      for (const key of unknown) {
        problems.push(`${STAGES_CONTEXT_KEY}.${name}.${key}: not a Hookline setting`);
      }
    }
  }
  problems.push(...stackNameProblems(stages));

  const stage = chosenStage(context(STAGE_CONTEXT_KEY), Object.keys(stages), problems);
  const block = stage !== undefined && isRecord(stages[stage]) ? stages[stage] : {};
  const fromBlock = (key: string) => Object.hasOwn(block, key);
  const named = block[STACK_NAME_KEY];
  return {
    stage,
    stackName: typeof named === 'string' && STACK_NAME.test(named) ? named : stackNameOf(stage),
    lookup: (key) => (fromBlock(key) ? block[key] : context(key)),
    label: (key) => (fromBlock(key) ? `${STAGES_CONTEXT_KEY}.${stage}.${key}` : key),
    problems,
  };
}

/** The stack name each block gives must be valid and be no other stage's. */
function stackNameProblems(stages: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const [name, block] of Object.entries(stages)) {
    if (!isRecord(block) || !STAGE_NAME.test(name)) continue;
    const given = block[STACK_NAME_KEY];
    if (given !== undefined && (typeof given !== 'string' || !STACK_NAME.test(given))) {
      problems.push(
        `${STAGES_CONTEXT_KEY}.${name}.${STACK_NAME_KEY}: must be 1-128 characters of A-Z a-z 0-9 -, starting with a letter (got ${JSON.stringify(given)})`,
      );
      continue;
    }
    const stackName = typeof given === 'string' ? given : stackNameOf(name);
    const other = owners.get(stackName);
    if (other !== undefined) {
      problems.push(
        `${STAGES_CONTEXT_KEY}.${name}: deploys the stack ${stackName}, as the stage ${other} does; each stage needs a stack of its own`,
      );
    }
    owners.set(stackName, name);
  }
  return problems;
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
