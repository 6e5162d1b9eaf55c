// What the Alipay dialects are configured with (from the config file, validated once).
import type { MatchOverrides } from './alipay-key.js';

export interface AlipayDialectOptions {
  readonly match: MatchOverrides;
}
