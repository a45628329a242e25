/** Reading cdk-nag 3's results: the validation report's violations and the acknowledgements. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Every violation in the cloud assembly's validation report (written by synth). */
export function nagViolations(outdir: string): unknown[] {
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations?: unknown[] }[];
  };
  return report.pluginReports.flatMap((plugin) => plugin.violations ?? []);
}

export interface Acknowledgement {
  readonly rule: string;
  /** The construct the acknowledgement is attached to. */
  readonly path: string;
  readonly reason: string;
}

/** Every rule acknowledged on `root` or below it, with the construct it is attached to. */
export function acknowledgedRules(root: IConstruct): Acknowledgement[] {
  const acknowledged: Acknowledgement[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.replace(/^.*::(?=AwsSolutions-)/, '');
        acknowledged.push({ rule, path: construct.node.path, reason });
      }
    }
  }
  return acknowledged;
}
