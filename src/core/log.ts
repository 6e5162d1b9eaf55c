// A small leveled logger writing to stderr, so stdout stays for the startup line and reports.
export type LogLevel = 'silent' | 'info' | 'debug';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** True when debug lines are written: callers skip building them otherwise. */
  readonly debugging?: boolean;
}

const RANK: Record<LogLevel, number> = { silent: 0, info: 1, debug: 2 };

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const at = (needed: LogLevel, tag: string) => (message: string) => {
    if (RANK[level] >= RANK[needed]) write(`paymock ${tag} ${message}\n`);
  };
  return { info: at('info', 'info'), warn: at('info', 'warn'), debug: at('debug', 'debug'), debugging: RANK[level] >= RANK.debug };
}
