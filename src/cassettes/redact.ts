// Secrets never reach a cassette, the journal or the log: named params in the query and the form
// body, named fields inside JSON bodies and `biz_content`, and named headers are replaced by
// REDACTED before anything is written. Match keys are computed on the redacted request too, so
// recording, replaying and reloading agree on them.
import { tryParseJson } from '../core/canonical-json.js';
import { makeBody } from '../core/body.js';
import { headerValue, isOneOf, replaceHeader } from '../core/headers.js';
import type { Call, HeaderList, HttpRequest, HttpResponse } from '../core/types.js';
import { REDACTED, redactJson, responseBodyRedactor } from './redact-response.js';

export { REDACTED } from './redact-response.js';

export const DEFAULT_REDACT_FIELDS = [
  'password',
  'passwd',
  'pwd',
  'md5_key',
  'private_key',
  'app_private_key',
  'auth_token',
  'app_auth_token',
  'access_token',
  'refresh_token',
  'cvv',
] as const;

export const DEFAULT_REDACT_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'alipay-app-auth-token'] as const;

export interface Redactor {
  /** The field names (lower case) whose values are secret. */
  readonly fields: ReadonlySet<string>;
  /** Response body fields (lower case) redacted in what is recorded (redact.responseFields). */
  readonly responseFields: ReadonlySet<string>;
  /** The request with its secrets replaced; the same object when it has none. */
  request(request: HttpRequest): HttpRequest;
  response(response: HttpResponse): HttpResponse;
}

/** `a=1&password=x&biz_content=...` with secrets replaced; untouched pairs keep their bytes. */
function redactForm(form: string, fields: ReadonlySet<string>): string {
  return form
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' ')).toLowerCase();
      if (fields.has(name)) return `${pair.slice(0, eq)}=${REDACTED}`;
      if (name !== 'biz_content') return pair;
      const json = tryParseJson(decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' ')));
      if (json === undefined) return pair;
      const redacted = JSON.stringify(redactJson(json, fields));
      return redacted === JSON.stringify(json) ? pair : `${pair.slice(0, eq)}=${encodeURIComponent(redacted)}`;
    })
    .join('&');
}

function redactHeaders(headers: HeaderList, names: readonly string[]): HeaderList {
  return headers.map(([name, value]): [string, string] => (isOneOf(name, names) ? [name, REDACTED] : [name, value]));
}

export function createRedactor(fieldNames: readonly string[], headerNames: readonly string[], responseFieldNames: readonly string[] = []): Redactor {
  const fields = new Set(fieldNames.map((name) => name.toLowerCase()));
  const responseBody = responseBodyRedactor(responseFieldNames, fieldNames);
  const headers = headerNames.map((name) => name.toLowerCase());
  // Most requests carry no secret: one case-insensitive search over URL and body says so cheaply.
  const mention = fields.size ? new RegExp([...fields].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i') : undefined;
  const mayHold = (request: HttpRequest) => mention !== undefined && (mention.test(request.url) || mention.test(request.body.bytes.toString('latin1')));
  return {
    fields,
    responseFields: new Set(responseFieldNames.map((name) => name.toLowerCase())),
    request(request) {
      if (!mayHold(request)) {
        if (!request.headers.some(([name]) => isOneOf(name, headers))) return request;
        return { ...request, headers: redactHeaders(request.headers, headers) };
      }
      const url = new URL(request.url);
      if (url.search) url.search = redactForm(url.search.slice(1), fields);
      const type = headerValue(request.headers, 'content-type') ?? '';
      let { body } = request;
      if (/x-www-form-urlencoded/i.test(type)) {
        const raw = body.bytes.toString('latin1');
        const redacted = redactForm(raw, fields);
        if (redacted !== raw) body = makeBody(Buffer.from(redacted, 'latin1'), request.headers);
      } else if (/json/i.test(type) && body.text) {
        const json = tryParseJson(body.text);
        const redacted = json === undefined ? undefined : JSON.stringify(redactJson(json, fields));
        if (redacted !== undefined && redacted !== JSON.stringify(json)) body = makeBody(Buffer.from(redacted, 'utf8'), request.headers);
      }
      const redactedHeaders = redactHeaders(request.headers, headers);
      const changed = url.href !== request.url || body !== request.body || redactedHeaders.some(([, value], i) => value !== request.headers[i]![1]);
      if (!changed) return request;
      const sized = body !== request.body && headerValue(redactedHeaders, 'content-length') !== undefined ? replaceHeader(redactedHeaders, 'Content-Length', String(body.bytes.length)) : redactedHeaders;
      return { ...request, url: url.href, headers: sized, body };
    },
    response(response) {
      const bodyDone = responseBody(response);
      if (!bodyDone.headers.some(([name]) => isOneOf(name, headers))) return bodyDone;
      return { ...bodyDone, headers: redactHeaders(bodyDone.headers, headers) };
    },
  };
}

/** A decoded call for display: params and business fields with secrets replaced. */
export function redactedCall(call: Call, redactor: Redactor): Call {
  const fields = redactor.fields;
  const params = Object.fromEntries(Object.entries(call.params).map(([name, value]) => [name, fields.has(name.toLowerCase()) ? REDACTED : name === 'biz_content' ? redactBizText(value, fields) : value]));
  return { ...call, params, ...(call.biz === undefined ? {} : { biz: redactJson(call.biz, fields) }) };
}

function redactBizText(text: string, fields: ReadonlySet<string>): string {
  const json = tryParseJson(text);
  return json === undefined ? text : JSON.stringify(redactJson(json, fields));
}
