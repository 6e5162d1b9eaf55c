// Full bench runs side by side, from the JSON files `npm run bench` writes (bench/results/): each
// target with what every run measured and whether it met it, then each scenario's ratio to its
// baseline (CPU per request and req/s, ratio of medians). For seeing how runs spread, or what a
// change did across whole runs; for one change, bench/compare.ts measures it more closely.
//   npx tsx bench/diff.ts <run.json> <run.json> [more runs...]
//   npx tsx bench/diff.ts bench/results/2*.json      (the kept runs; latest.json repeats the last one)
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderTable } from './report.js';

interface Target {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  readonly met: boolean;
}

interface Ratio {
  readonly scenario: string;
  readonly baseline: string;
  readonly reqPerSec: number;
  readonly cpuUsPerReq: number;
}

interface Run {
  readonly label: string;
  readonly targets: ReadonlyMap<string, Target>;
  readonly ratios: ReadonlyMap<string, Ratio>;
}

async function readRun(file: string): Promise<Run> {
  let data: { date?: unknown; commit?: unknown; targets?: unknown; ratios?: unknown };
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as typeof data;
  } catch (error) {
    throw new Error(`${file}: not a bench results file: ${(error as Error).message}`);
  }
  if (!Array.isArray(data.targets) || !Array.isArray(data.ratios)) throw new Error(`${file}: not a bench results file (no "targets" or "ratios" list)`);
  const date = typeof data.date === 'string' ? data.date.slice(0, 16).replace('T', ' ') : path.basename(file);
  const label = typeof data.commit === 'string' ? `${date} ${data.commit}` : date;
  return {
    label,
    targets: new Map((data.targets as Target[]).map((target) => [target.figure, target])),
    ratios: new Map((data.ratios as Ratio[]).map((ratio) => [`${ratio.scenario} / ${ratio.baseline}`, ratio])),
  };
}

/** Names in the order the runs give them, each once. */
function union(names: Iterable<string>[]): string[] {
  return [...new Set(names.flatMap((list) => [...list]))];
}

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  if (files.length === 0) throw new Error('usage: tsx bench/diff.ts <run.json> [more runs...] (files from bench/results/)');
  const runs = await Promise.all(files.map(readRun));
  const header = (first: string) => [first, ...runs.map((run, i) => `${i + 1}`)];

  const targetNames = union(runs.map((run) => run.targets.keys()));
  const wanted = (name: string) => runs.map((run) => run.targets.get(name)?.target).find(Boolean) ?? '';
  const targetRows = targetNames.map((name) => [
    `${name} (${wanted(name)})`,
    ...runs.map((run) => {
      const target = run.targets.get(name);
      return target ? `${target.value}${target.met ? '' : ' NO'}` : '-';
    }),
  ]);
  const metRow = ['targets met', ...runs.map((run) => `${[...run.targets.values()].filter((target) => target.met).length} of ${run.targets.size}`)];

  const ratioNames = union(runs.map((run) => run.ratios.keys()));
  const times = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(2)}x`);
  const ratioRows = ratioNames.map((name) => [
    name,
    ...runs.map((run) => {
      const ratio = run.ratios.get(name);
      return ratio ? `${times(ratio.cpuUsPerReq)} / ${times(ratio.reqPerSec)}` : '-';
    }),
  ]);

  console.log(runs.map((run, i) => `${i + 1}: ${run.label}`).join('\n'));
  console.log(`\n${renderTable(header('target (wanted)'), [...targetRows, metRow])}`);
  console.log(`\n${renderTable(header('ratio: CPU/req / req/s'), ratioRows)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
