// paymock's public surface.
export { startPaymock, VERSION, type RunningPaymock, type StopSummary } from './app.js';
export { MODES, parseOptions, type Config, type Mode, type PaymockOptions } from './config.js';
export { PaymockError, type ErrorCode } from './core/errors.js';
export { MISS_STATUS } from './core/pipeline.js';
export type * from './core/types.js';
