// The generic dialect: any HTTP API, matched on method, host, path, sorted query and a
// normalised body (form fields sorted, JSON canonical, otherwise the exact bytes).
import { requestUrl, type RequestUrl } from '../core/request-url.js';
import { canonicalJson, tryParseJson } from '../core/canonical-json.js';
import { canonicalJsonText } from '../core/canonical-json-text.js';
import { parseForm, rawFormText, sortedForm } from '../core/form.js';
import { headerValue } from '../core/headers.js';
import { digest, makeKey, readable } from '../core/match-key.js';
import { textBody } from '../core/body.js';
import type { BusinessReply, Call, Dialect, HttpRequest, HttpResponse, MatchKey } from '../core/types.js';

const FORM = /^application\/x-www-form-urlencoded/i;
const JSON_TYPE = /^application\/([\w.+-]*\+)?json/i;

function queryFields(url: RequestUrl): Array<[string, string]> {
  return url.search.length > 1 ? parseForm(url.search.slice(1)) : [];
}

function formFields(request: HttpRequest): Array<[string, string]> {
  const type = headerValue(request.headers, 'content-type') ?? '';
  if (!FORM.test(type)) return [];
  return parseForm(rawFormText(request.body.bytes).trim(), request.body.charset ?? 'utf-8');
}

/** The body as it takes part in matching. */
export function normaliseBody(request: HttpRequest): string {
  const { body } = request;
  if (body.bytes.length === 0) return '';
  const type = headerValue(request.headers, 'content-type') ?? '';
  if (FORM.test(type)) return `form:${sortedForm(formFields(request))}`;
  if (body.text !== undefined) {
    if (JSON_TYPE.test(type) || /^\s*[[{]/.test(body.text)) {
      // Plain JSON is made canonical from its text; anything else is parsed first.
      const canonical = canonicalJsonText(body.text);
      if (canonical !== undefined) return `json:${canonical}`;
      const json = tryParseJson(body.text);
      if (json !== undefined) return `json:${canonicalJson(json)}`;
    }
    return `text:${body.text}`;
  }
  return `bytes:sha256:${digest(body.bytes)} (${body.bytes.length} bytes)`;
}

/**
 * A call with a JSON body, whose value is parsed when something reads it (a rule, the journal):
 * replay's key does not (normaliseBody reads plain JSON from its text). A class, so every such
 * call shares one shape: an object literal with its own getter closure got a hidden class of its
 * own each time, and the generic pipeline ran at twice its cost.
 */
class JsonCall implements Call {
  readonly dialect = 'http';
  #from: HttpRequest | undefined;
  #biz: unknown;

  constructor(
    readonly api: string,
    readonly params: Record<string, string>,
    from: HttpRequest,
  ) {
    this.#from = from;
  }

  get biz(): unknown {
    if (this.#from !== undefined) {
      this.#biz = this.#from.body.text ? tryParseJson(this.#from.body.text) : undefined;
      this.#from = undefined;
    }
    return this.#biz;
  }

  /** As a plain call reads (the getter is not an own property). */
  toJSON(): Call {
    return { dialect: this.dialect, api: this.api, params: this.params, biz: this.biz };
  }
}

function decode(request: HttpRequest): Call {
  const url = requestUrl(request);
  const params: Record<string, string> = {};
  for (const [name, value] of queryFields(url)) params[name] = value;
  for (const [name, value] of formFields(request)) params[name] = value;
  const type = headerValue(request.headers, 'content-type') ?? '';
  const api = `${request.method} ${url.pathname}`;
  return JSON_TYPE.test(type) ? new JsonCall(api, params, request) : { dialect: 'http', api, params, biz: undefined };
}

function fingerprint(call: Call, request: HttpRequest): MatchKey {
  const url = requestUrl(request);
  return makeKey({
    method: request.method,
    host: url.host,
    path: url.pathname,
    query: sortedForm(queryFields(url)),
    body: readable(normaliseBody(request)),
  });
}

function encode(reply: BusinessReply): HttpResponse {
  const json = typeof reply.fields !== 'string';
  const text = json ? JSON.stringify(reply.fields ?? null) : (reply.fields as string);
  const headers = Object.entries(reply.headers ?? {});
  if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) {
    headers.unshift(['Content-Type', json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8']);
  }
  return { status: reply.status ?? 200, headers, body: textBody(text) };
}

export const httpDialect: Dialect = {
  name: 'http',
  detect: () => true,
  decode,
  fingerprint,
  encode,
  // Generic APIs carry no ids or signatures paymock understands: a recording replays as is.
  adapt: (recorded) => recorded.response,
  sign: (response) => response,
  verify: () => ({ ok: true, checked: false }),
};
