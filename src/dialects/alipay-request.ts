// Reading an Alipay gateway request: which surface it is, its charset, and its parameters from
// the query and the form body, percent-decoded in the request's own charset (GBK by default on
// the legacy gateway).
import { requestUrl } from '../core/request-url.js';
import { parseForm, rawFormText, type FormFields } from '../core/form.js';
import { headerValue } from '../core/headers.js';
import type { HttpRequest } from '../core/types.js';

export interface GatewayForms {
  readonly path: string;
  /** The query and the form body as raw urlencoded text (one char per byte). */
  readonly query: string;
  readonly body: string;
  /** Every raw (still escaped) value by name: the query's first, then the body's. */
  readonly raw: ReadonlyMap<string, string>;
}

function rawValues(query: string, body: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const form of [query, body]) {
    if (form === '') continue;
    for (const pair of form.split('&')) {
      const eq = pair.indexOf('=');
      if (eq > 0) {
        const name = pair.slice(0, eq);
        if (!values.has(name)) values.set(name, pair.slice(eq + 1));
      }
    }
  }
  return values;
}

const FORM = /^application\/x-www-form-urlencoded/i;

/** Every dialect's detect and decode read the same forms: parse them once per request. */
const parsed = new WeakMap<HttpRequest, GatewayForms>();

export function gatewayForms(request: HttpRequest): GatewayForms {
  const known = parsed.get(request);
  if (known) return known;
  const forms = readForms(request);
  parsed.set(request, forms);
  return forms;
}

function readForms(request: HttpRequest): GatewayForms {
  const url = requestUrl(request);
  const type = headerValue(request.headers, 'content-type') ?? '';
  // alipay-sdk and the Java SDKs always label form posts; a GET has no body to read.
  const body = FORM.test(type) || (type === '' && request.method === 'POST') ? rawFormText(request.body.bytes).trim() : '';
  const query = url.search.slice(1);
  return { path: url.pathname, query, body, raw: rawValues(query, body) };
}

export function isGatewayPath(path: string): boolean {
  return path.endsWith('/gateway.do');
}

/** A parameter's ASCII value from the query, else the body (service, method, charset). */
export function rawParam(forms: GatewayForms, name: string): string | undefined {
  const raw = forms.raw.get(name);
  return raw === undefined ? undefined : decodeURIComponent(raw.includes('+') ? raw.replace(/\+/g, ' ') : raw);
}

export interface DecodedParams {
  readonly query: FormFields;
  readonly body: FormFields;
  /** Query and body merged; a body field wins over a query field of the same name. */
  readonly params: Record<string, string>;
}

export function decodeParams(forms: GatewayForms, charset: string): DecodedParams {
  const query = parseForm(forms.query, charset);
  const body = parseForm(forms.body, charset);
  return { query, body, params: Object.fromEntries([...query, ...body]) };
}
