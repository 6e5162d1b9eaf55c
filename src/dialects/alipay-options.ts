// What the Alipay dialects are configured with (validated once at start), and the adapt step
// they share: replay untouched when nothing differs, otherwise swap ids and sign again.
import type { Logger } from '../core/log.js';
import { forgetDerived, memoised } from '../core/request-url.js';
import { warn } from '../core/warnings.js';
import type { Call, HttpRequest, HttpResponse, Interaction } from '../core/types.js';
import type { MatchOverrides } from './alipay-key.js';
import { merchantIds } from './alipay-key.js';
import { idMapping, type Resigned } from './alipay-resign.js';
import type { AlipaySigner } from './alipay-signer.js';

export interface AlipayDialectOptions {
  readonly match: MatchOverrides;
  readonly signer: AlipaySigner;
  readonly log: Logger;
}

const RECORDED_IDS = Symbol('recorded merchant ids');

type Resign = (response: HttpResponse, call: Call, mapping: ReadonlyMap<string, string>, signer: AlipaySigner) => Resigned;

export function adaptWith(resign: Resign, decode: (request: HttpRequest) => Call, options: AlipayDialectOptions) {
  // A recording stores its merchant ids (Interaction.merchantIds), so replay never decodes the
  // recorded request. An older one has them read from its request once, not on every replay, and
  // only they are kept: not its URL, forms or call, since a cassette may hold 100,000 recorded
  // requests. They are kept with the recorded response, which replay holds; a large cassette's
  // recorded request is let go once read (cassettes/format.ts).
  const recordedIds = (recorded: Interaction) =>
    recorded.merchantIds ??
    memoised(recorded.response, RECORDED_IDS, () => {
      const request = recorded.request;
      const ids = merchantIds(decode(request));
      forgetDerived(request);
      return ids;
    });
  const finish = (result: Resigned): HttpResponse => {
    if (result.warning) warn(options.log, result.warning);
    return result.response;
  };
  return {
    merchantIds,
    /** The recorded bytes go out untouched unless an id differs (or `resign: always`). */
    adapt(recorded: Interaction, call: Call): HttpResponse {
      const mapping = idMapping(recordedIds(recorded), call);
      if (mapping.size === 0 && !options.signer.resignAlways) return recorded.response;
      return finish(resign(recorded.response, call, mapping, options.signer));
    },
    sign(response: HttpResponse, call: Call): HttpResponse {
      return finish(resign(response, call, new Map(), options.signer));
    },
  };
}
