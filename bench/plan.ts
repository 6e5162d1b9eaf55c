// The order of one round of measured runs. The machine is shared: how fast its cores run drifts
// over seconds to minutes (the same single-threaded work has measured 14 us on one core and 25 on
// the other, and then 14 on both a minute later). A ratio is only as good as the closeness in time
// of its two runs, so every judged scenario is measured right next to its baseline, and a baseline
// shared by scenarios far apart in the round is measured again next to each (`direct` twice).
//   Each group's steps run back to back; odd rounds run the whole plan forwards and even rounds
//   backwards, so within each pair neither side always goes first.

/** The crypto.sign rate (bench/sign-rate.ts), the RSA2 scenarios' limit: a step, though not a server. */
export const SIGN_STEP = 'rsa2-sign';

export const ROUND_PLAN: readonly (readonly string[])[] = [
  ['replay-http', 'map-replay-http', 'direct', 'replay-alipay'],
  ['mock-md5', 'direct'],
  ['forward-baseline', 'passthrough'],
  ['forward-proxy', 'forward-proxy-baseline'],
  ['map-replay', 'replay-10k', 'direct-random'],
  ['replay-100k', 'direct-random'],
  ['mock-rsa2', SIGN_STEP, 'mock-rsa2-pay'],
  ['https-direct', 'https-replay'],
];

/** Every pair a target is judged on: [scenario, baseline]. Each must be next to each other in ROUND_PLAN. */
export const JUDGED_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['replay-http', 'map-replay-http'],
  ['replay-10k', 'map-replay'],
  ['replay-10k', 'direct-random'],
  ['replay-100k', 'direct-random'],
  ['mock-md5', 'direct'],
  ['mock-rsa2', SIGN_STEP],
  ['mock-rsa2-pay', SIGN_STEP],
  ['passthrough', 'forward-baseline'],
  ['forward-proxy', 'forward-proxy-baseline'],
  ['https-replay', 'https-direct'],
];

/** The steps of round `round` (1-based), in the order they run. */
export function roundOrder(round: number, plan: readonly (readonly string[])[] = ROUND_PLAN): string[] {
  const steps = plan.flat();
  return round % 2 === 1 ? steps : steps.reverse();
}

/** What is wrong with a plan for these scenarios: unknown or missing names, judged pairs apart. */
export function planProblems(
  scenarioNames: readonly string[],
  plan: readonly (readonly string[])[] = ROUND_PLAN,
  judged: ReadonlyArray<readonly [string, string]> = JUDGED_PAIRS,
): string[] {
  const known = new Set([...scenarioNames, SIGN_STEP]);
  const planned = new Set(plan.flat());
  const problems = [
    ...[...planned].filter((name) => !known.has(name)).map((name) => `the plan names ${name}, which is not a scenario`),
    ...[...known].filter((name) => !planned.has(name)).map((name) => `${name} is not in the plan, so it would never be measured`),
  ];
  const neighbours = (a: string, b: string) => plan.some((group) => group.some((step, i) => step === a && (group[i - 1] === b || group[i + 1] === b)));
  for (const [scenario, baseline] of judged) {
    if (!neighbours(scenario, baseline)) problems.push(`${scenario} is judged against ${baseline}, but is not measured next to it`);
  }
  return problems;
}
