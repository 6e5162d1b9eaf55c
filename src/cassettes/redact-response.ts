// Named fields in recorded response bodies (`redact.responseFields`), for an upstream that answers
// with something secret. Off by default: replay serves the recorded bytes, and a redacted field
// changes them (the replayed answer carries REDACTED, and a signature over it no longer holds).
// JSON, XML and form bodies are understood; other bodies are kept as they are.
import { encodeText, makeBody } from '../core/body.js';
import { tryParseJson } from '../core/canonical-json.js';
import { headerValue, replaceHeader } from '../core/headers.js';
import type { HttpResponse } from '../core/types.js';

export const REDACTED = 'REDACTED';

/** JSON values (at any depth) whose key is one of `fields` (lower case) become REDACTED. */
export function redactJson(value: unknown, fields: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactJson(item, fields));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fields.has(key.toLowerCase()) ? REDACTED : redactJson(inner, fields)]));
  }
  return value;
}

const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const alternatives = (names: ReadonlySet<string>) => [...names].map(escape).join('|');

/** `<name>v</name>` for `fields`; Alipay's request echo `<param name="p">v</param>` for `echoed`. */
function xmlRedactor(fields: ReadonlySet<string>, echoed: ReadonlySet<string>): (text: string) => string {
  const element = fields.size ? new RegExp(`<(${alternatives(fields)})(\\s[^>]*)?>[^<]*</\\1>`, 'gi') : undefined;
  const names = new Set([...fields, ...echoed]);
  const param = new RegExp(`(<param\\s+name="(?:${alternatives(names)})"\\s*>)[^<]*(</param>)`, 'gi');
  return (text) => {
    const inner = element ? text.replace(element, (_all, name: string, attrs = '') => `<${name}${attrs}>${REDACTED}</${name}>`) : text;
    return inner.replace(param, `$1${REDACTED}$2`);
  };
}

function redactFormText(text: string, fields: ReadonlySet<string>): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? '' : decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' ')).toLowerCase();
      return fields.has(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * Redacts `fields` (redact.responseFields) anywhere in JSON, XML and form response bodies, and the
 * request's own secret params (`echoed`: redact.fields) where the legacy gateway echoes them back
 * (`<request><param name="password">`, outside what its signature covers). Returns the same
 * response when nothing was redacted.
 */
export function responseBodyRedactor(fieldNames: readonly string[], echoedNames: readonly string[]): (response: HttpResponse) => HttpResponse {
  const fields = new Set(fieldNames.map((name) => name.toLowerCase()));
  const echoed = new Set(echoedNames.map((name) => name.toLowerCase()));
  const names = new Set([...fields, ...echoed]);
  if (names.size === 0) return (response) => response;
  // Most bodies name none of them: one case-insensitive search says so cheaply.
  const mention = new RegExp(alternatives(names), 'i');
  const xml = xmlRedactor(fields, echoed);
  return (response) => {
    const { text, charset } = response.body;
    if (text === undefined || charset === undefined) return response;
    // Without responseFields only the legacy gateway's request echo can hold one.
    if ((fields.size === 0 && !text.includes('<param')) || !mention.test(text)) return response;
    const type = headerValue(response.headers, 'content-type') ?? '';
    const trimmed = text.trimStart();
    let changed = text;
    if (trimmed.startsWith('<')) {
      changed = xml(text);
    } else if (fields.size && (trimmed.startsWith('{') || trimmed.startsWith('['))) {
      // Alipay's OpenAPI answers JSON as text/html: the body decides, not the Content-Type.
      const json = tryParseJson(text);
      const redacted = json === undefined ? undefined : JSON.stringify(redactJson(json, fields));
      if (redacted !== undefined && redacted !== JSON.stringify(json)) changed = redacted;
    } else if (fields.size && /x-www-form-urlencoded/i.test(type)) {
      changed = redactFormText(text, fields);
    }
    if (changed === text) return response;
    const bytes = encodeText(changed, charset);
    const headers = headerValue(response.headers, 'content-length') === undefined ? response.headers : replaceHeader(response.headers, 'Content-Length', String(bytes.length));
    return { ...response, headers, body: makeBody(bytes, headers) };
  };
}
