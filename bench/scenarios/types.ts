// What run.ts measures, and what every scenario module gets to build its servers.
import path from 'node:path';
import type { PaymockOptions } from '../../src/index.js';
import type { ServerChild } from '../children.js';
import type { LoadClient, LoadShape } from '../load.js';
import { sharedCaDir } from '../keys.js';
import type { ServerSpec } from '../servers.js';

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Measured for CPU and memory; the client's load goes here. */
  readonly server: ServerChild;
  readonly client: LoadClient;
  /** The origin behind a proxy, whose CPU is recorded too. */
  readonly behind?: ServerChild;
  readonly baseline?: string;
  /** Run once before anything is measured; throws when the scenario does not answer as it must. */
  readonly check: () => Promise<void>;
  /** Figures of this scenario that are not load (cassette load time, RSS after load), for the report. */
  readonly facts?: Readonly<Record<string, number>>;
}

export interface BenchContext {
  /** A temporary directory, removed at the end. */
  readonly dir: string;
  readonly shape: LoadShape;
  start(name: string, spec: ServerSpec): Promise<ServerChild>;
  progress(message: string): void;
}

/**
 * A paymock child on a free loopback port, silent, with no rule files (the repository's rules/
 * holds examples) and the bench's shared CA and test key (bench/keys.ts) unless given its own.
 */
export function paymockOptions(context: BenchContext, options: PaymockOptions): PaymockOptions {
  return { port: 0, host: '127.0.0.1', log: 'silent', rulesDir: path.join(context.dir, 'no-rules'), watchRules: false, caDir: sharedCaDir(context.dir), ...options };
}
