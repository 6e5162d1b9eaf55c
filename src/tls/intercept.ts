// Which CONNECT targets paymock decrypts. The default is Alipay's gateways and sandboxes
// (../shared/alipay.md section 0); everything else gets a blind tunnel.

export const ALIPAY_HOSTS = [
  'globalmapi.alipay.com',
  'intlmapi.alipay.com',
  'mapi.alipay.com',
  'mapi.alipaydev.com',
  'openapi.alipay.com',
  'openapi.alipaydev.com',
  'openapi-sandbox.dl.alipaydev.com',
] as const;

export type InterceptMatcher = (host: string) => boolean;

/** `*` matches every host; `*.example.com` matches its subdomains (not example.com itself). */
export function interceptMatcher(patterns: readonly string[]): InterceptMatcher {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let all = false;
  for (const raw of patterns) {
    const pattern = raw.trim().toLowerCase();
    if (pattern === '*') all = true;
    else if (pattern.startsWith('*.')) suffixes.push(pattern.slice(1));
    else if (pattern) exact.add(pattern);
  }
  return (host) => {
    const name = host.toLowerCase();
    return all || exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
  };
}
