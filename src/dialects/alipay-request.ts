// Reading an Alipay gateway request: which surface it is, its charset, and its parameters from
// the query and the form body, percent-decoded in the request's own charset (GBK by default on
// the legacy gateway).
import { parseForm, rawField, rawFormText, type FormFields } from '../core/form.js';
import { headerValue } from '../core/headers.js';
import type { HttpRequest } from '../core/types.js';

export interface GatewayForms {
  readonly path: string;
  /** The query and the form body as raw urlencoded text (one char per byte). */
  readonly query: string;
  readonly body: string;
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
  const url = new URL(request.url);
  const type = headerValue(request.headers, 'content-type') ?? '';
  // alipay-sdk and the Java SDKs always label form posts; a GET has no body to read.
  const body = FORM.test(type) || (type === '' && request.method === 'POST') ? rawFormText(request.body.bytes).trim() : '';
  return { path: url.pathname, query: url.search.slice(1), body };
}

export function isGatewayPath(path: string): boolean {
  return path.endsWith('/gateway.do');
}

/** A parameter's ASCII value from the query, else the body (service, method, charset). */
export function rawParam(forms: GatewayForms, name: string): string | undefined {
  return rawField(forms.query, name) ?? rawField(forms.body, name);
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
