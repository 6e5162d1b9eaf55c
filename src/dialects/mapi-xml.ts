// Reading legacy gateway XML replies. The only module that imports xml2js. Replies are never
// re-serialised from the parse: it is a view used to find what the signature covers.
import { parseString } from 'xml2js';
import { PaymockError } from '../core/errors.js';

export interface MapiReply {
  readonly isSuccess: string | undefined;
  readonly error: string | undefined;
  /** The children of `<response><alipay>` as a flat map of strings (what the signature covers). */
  readonly business: Readonly<Record<string, string>> | undefined;
  readonly sign: string | undefined;
  readonly signType: string | undefined;
}

type Node = Record<string, unknown>;

function text(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && '_' in value) return String((value as Node)._);
  return value === undefined ? undefined : '';
}

/** Parse synchronously (xml2js calls back in the same tick unless `async` is set). */
export function parseMapiReply(xml: string): MapiReply {
  let root: Node | undefined;
  let failure: Error | undefined;
  parseString(xml, { explicitArray: true, async: false }, (error: Error | null, result: Node) => {
    failure = error ?? undefined;
    root = result;
  });
  if (failure || !root?.alipay) {
    throw new PaymockError('BAD_REQUEST', `not a legacy Alipay XML reply: ${failure?.message ?? 'no <alipay> root'}`);
  }
  const alipay = (root.alipay as Node[] | Node) as Node;
  const top = Array.isArray(alipay) ? (alipay[0] as Node) : alipay;
  const response = (top.response as Node[] | undefined)?.[0];
  const inner = (response?.alipay as Node[] | undefined)?.[0];
  let business: Record<string, string> | undefined;
  if (inner && typeof inner === 'object') {
    business = {};
    for (const [name, value] of Object.entries(inner)) if (name !== '$') business[name] = text(value) ?? '';
  }
  return {
    isSuccess: text(top.is_success),
    error: text(top.error),
    business,
    sign: text(top.sign),
    signType: text(top.sign_type),
  };
}
