// A paymock:1 cassette of `count` legacy GBK interactions (bench/legacy-trades.ts), written
// straight to disk without recording, in the layout a recording leaves (pretty-printed), streamed
// so 100,000 interactions never sit in memory as one string. The stored key is what paymock
// computes with the default match settings, and the header's `keys` says so, as a recording
// would: paymock builds keys from the stored fields. Its merchant ids are stored too, as a
// recording stores them.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { appendText, cassetteText, TAIL } from '../src/cassettes/append.js';
import { FORMAT_VERSION, type StoredInteraction } from '../src/cassettes/format.js';
import { keySignature } from '../src/cassettes/key-signature.js';
import { makeKey } from '../src/core/match-key.js';
import { legacyAnswerXml, legacyQueryBody, LEGACY_PARTNER, LEGACY_PATH, outTradeNo, tradeNo } from './legacy-trades.js';

/** Where the interactions were "recorded"; replay in gateway mode never goes there. */
export const GENERATED_UPSTREAM = 'https://intlmapi.alipay.com';
const RECORDED_AT = '2024-01-01T04:00:00.000Z';
/** Interactions pretty-printed per call (append.ts prints a batch in one native call). */
const GENERATE_BATCH = 500;

function interaction(i: number): StoredInteraction {
  const body = legacyQueryBody(i);
  const answer = legacyAnswerXml(i);
  const fields = { dialect: 'alipay-mapi', api: 'single_trade_query', merchant: LEGACY_PARTNER, _input_charset: 'GBK', trade_no: tradeNo(i), subject: '基准测试订单' };
  return {
    recordedAt: RECORDED_AT,
    latencyMs: 1,
    dialect: 'alipay-mapi',
    api: 'single_trade_query',
    key: makeKey(fields),
    merchantIds: { out_trade_no: outTradeNo(i) },
    request: {
      method: 'POST',
      url: `${GENERATED_UPSTREAM}${LEGACY_PATH}`,
      headers: ['content-type: application/x-www-form-urlencoded', `content-length: ${body.length}`],
      body: { charset: 'utf-8', text: body },
    },
    response: {
      status: 200,
      statusText: 'OK',
      headers: ['Content-Type: text/xml; charset=GBK', `Content-Length: ${iconv.encode(answer, 'GBK').length}`],
      body: { charset: 'GBK', text: answer },
    },
  };
}

/** Writes `<dir>/<name>.json`; resolves with its size in bytes. */
export async function writeLegacyCassette(dir: string, name: string, count: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const out = createWriteStream(file);
  let bytes = 0;
  let pending: string[] = [];
  let pendingChars = 0;
  // Written in chunks of about a megabyte: one write (and one await) per interaction is slow.
  const write = async (text: string, force = false) => {
    pending.push(text);
    pendingChars += text.length;
    if (pendingChars < 1 << 20 && !force) return;
    const chunk = pending.join('');
    pending = [];
    pendingChars = 0;
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  // Byte for byte what paymock writes when it records them (cassettes/append.ts): the first as a
  // whole file, each further batch as an append over the tail. A cassette's load time depends on
  // its layout, so the bench loads what a recording leaves, not a compact file of the same data.
  const header = { paymock: FORMAT_VERSION, name, upstream: GENERATED_UPSTREAM, keys: keySignature({}) };
  const untailed = (text: string) => text.slice(0, text.length - TAIL.length);
  if (count === 0) {
    await write(cassetteText({ ...header, interactions: [] }), true);
  } else {
    await write(untailed(cassetteText({ ...header, interactions: [interaction(0)] })));
    for (let from = 1; from < count; from += GENERATE_BATCH) {
      await write(untailed(appendText(Array.from({ length: Math.min(GENERATE_BATCH, count - from) }, (_, i) => interaction(from + i)))));
    }
    await write(TAIL, true);
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
