// Refuse to measure anything that does not answer exactly as it must: a fast error path would
// look like a fast server.
import type { Sample } from '../load.js';

export function preview(body: Buffer): string {
  return JSON.stringify(body.subarray(0, 300).toString('latin1'));
}

export function fail(name: string, problems: readonly string[], body?: Buffer): never {
  throw new Error(
    `scenario ${name} does not answer as it must, so measuring it would be meaningless:\n  ${problems.join('\n  ')}` +
      (body ? `\n  its answer starts: ${preview(body)}` : ''),
  );
}

/** Status 200, the right x-paymock-source (for paymock), and the reference's content-type and bytes. */
export function sameAnswer(name: string, sample: Sample, reference: { body: Buffer; contentType?: string | undefined }, source?: string): void {
  const problems: string[] = [];
  if (sample.status !== 200) problems.push(`status ${sample.status}, expected 200`);
  if (source && sample.source !== source) problems.push(`x-paymock-source is ${sample.source ?? '(absent)'}, expected ${source}`);
  if (reference.contentType !== undefined && sample.contentType !== reference.contentType) {
    problems.push(`content-type is ${sample.contentType ?? '(absent)'}, expected ${reference.contentType}`);
  }
  if (!sample.body.equals(reference.body)) problems.push(`body differs from the expected answer (${sample.body.length} bytes, expected ${reference.body.length})`);
  if (problems.length > 0) fail(name, problems, sample.body);
}
