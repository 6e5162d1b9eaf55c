// Reading an Alipay gateway request: which surface it is, its charset, and its parameters from
// the query and the form body, percent-decoded in the request's own charset (GBK by default on
// the legacy gateway).
import { memoised, requestUrl } from '../core/request-url.js';
import { decodeFormPart, rawFormText } from '../core/form.js';
import { headerValue } from '../core/headers.js';
import type { HttpRequest } from '../core/types.js';

export interface GatewayForms {
  readonly path: string;
  /** Every `name=value` of the query, then of the form body, still escaped (one char per byte). */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
}

/** `name=value` pairs cut straight from the text: no array of `&`-parts and no copy of each part. */
function splitPairs(form: string, into: Array<[string, string]>): void {
  // The first `=` at or after `at` (-1: none left); found again only once passed, so the whole is linear.
  let eq = -1;
  let searched = -1;
  for (let at = 0; at < form.length; ) {
    let end = form.indexOf('&', at);
    if (end < 0) end = form.length;
    if (end > at) {
      if (searched < at) {
        eq = form.indexOf('=', at);
        searched = eq < 0 ? form.length : eq;
      }
      into.push(eq < 0 || eq >= end ? [form.slice(at, end), ''] : [form.slice(at, eq), form.slice(eq + 1, end)]);
    }
    at = end + 1;
  }
}

const FORM = /^application\/x-www-form-urlencoded/i;

/** Every dialect's detect and decode read the same forms: parse them once per request. */
const FORMS = Symbol('gateway forms');

export function gatewayForms(request: HttpRequest): GatewayForms {
  return memoised(request, FORMS, () => readForms(request));
}

function readForms(request: HttpRequest): GatewayForms {
  const url = requestUrl(request);
  const type = headerValue(request.headers, 'content-type') ?? '';
  // alipay-sdk and the Java SDKs always label form posts; a GET has no body to read.
  const body = FORM.test(type) || (type === '' && request.method === 'POST') ? rawFormText(request.body.bytes).trim() : '';
  const pairs: Array<[string, string]> = [];
  splitPairs(url.search.slice(1), pairs);
  splitPairs(body, pairs);
  return { path: url.pathname, pairs };
}

export function isGatewayPath(path: string): boolean {
  return path.endsWith('/gateway.do');
}

/** A parameter's ASCII value from the query, else the body (service, method, charset). */
export function rawParam(forms: GatewayForms, name: string): string | undefined {
  for (const [key, raw] of forms.pairs) {
    if (key === name) return decodeURIComponent(raw.includes('+') ? raw.replace(/\+/g, ' ') : raw);
  }
  return undefined;
}

/** Query and body merged, percent-decoded in `charset`; a body field wins over a query field of the same name. */
export function decodeParams(forms: GatewayForms, charset: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of forms.pairs) params[decodeFormPart(name, charset)] = decodeFormPart(value, charset);
  return params;
}
