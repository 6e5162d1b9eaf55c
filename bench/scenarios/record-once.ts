// Record the one interaction a replay scenario serves, through a paymock in this process.
import { startPaymock, type PaymockOptions, type RunningPaymock } from '../../src/index.js';
import type { Sample } from '../load.js';
import { preview } from './checks.js';

export async function recordOnce(options: PaymockOptions & { cassettesDir: string }, exchange: (recorder: RunningPaymock) => Promise<Sample>): Promise<void> {
  const recorder = await startPaymock({ ...options, mode: 'record', port: 0, host: '127.0.0.1', log: 'silent' });
  let sample: Sample;
  try {
    sample = await exchange(recorder);
  } catch (error) {
    await recorder.stop();
    throw error;
  }
  const { cassette } = await recorder.stop(); // writes the cassette and says what it wrote
  if (sample.status !== 200 || sample.source !== 'upstream' || cassette?.recorded !== 1) {
    throw new Error(
      `recording the cassette ${options.cassette ?? ''} failed: status ${sample.status}, x-paymock-source ${sample.source ?? '(absent)'}, ` +
        `${cassette?.recorded ?? 0} interaction(s) written to ${cassette?.file ?? options.cassettesDir}; answer: ${preview(sample.body)}`,
    );
  }
}
