// A flaky sandbox must not poison a cassette: replies that only say "the gateway had a problem"
// (HTTP 5xx, legacy SYSTEM_ERROR, v2 20000 / ACQ.SYSTEM_ERROR, v3 ACQ.SYSTEM_ERROR) are not
// recorded unless --record-errors asks for them.
import type { Call, HttpResponse } from '../core/types.js';

const LEGACY = /<error>\s*SYSTEM_ERROR\s*<\/error>/;
const OPENAPI = /"code"\s*:\s*"20000"|"sub_code"\s*:\s*"(ACQ|aop)\.SYSTEM_ERROR"/;
const V3 = /"code"\s*:\s*"ACQ\.SYSTEM_ERROR"/;

export function isSystemError(call: Call, response: HttpResponse): boolean {
  if (response.status >= 500) return true;
  const text = response.body.text ?? '';
  if (call.dialect === 'alipay-mapi') return LEGACY.test(text);
  if (call.dialect === 'alipay-openapi') return OPENAPI.test(text);
  if (call.dialect === 'alipay-v3') return V3.test(text);
  return false;
}
