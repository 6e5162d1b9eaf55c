// How each client runtime is told to use paymock as its proxy and to trust paymock's CA.
// Printed by `paymock ca` and `paymock doctor`; the facts are in ../shared/alipay.md section 5.4.

export interface GuideInput {
  readonly caFile: string;
  readonly proxyUrl: string;
}

export function trustGuide({ caFile, proxyUrl }: GuideInput): string[] {
  const { hostname, port } = new URL(proxyUrl);
  return [
    'Node (alipay-sdk 4): it ignores HTTP_PROXY/HTTPS_PROXY. Give it a proxyAgent that trusts the CA:',
    `    import { AlipaySdk, ProxyAgent } from 'alipay-sdk';`,
    `    new AlipaySdk({ ..., proxyAgent: new ProxyAgent({ uri: '${proxyUrl}', requestTls: { ca: fs.readFileSync('${caFile}') } }) })`,
    `  or skip proxy and CA altogether (gateway mode): gateway: '${proxyUrl}/gateway.do', endpoint: '${proxyUrl}', with paymock --upstream <real gateway>.`,
    'Node (core http/https, fetch): Node 20 ignores HTTP_PROXY too. Trust the CA for the whole process and route through the proxy:',
    `    NODE_EXTRA_CA_CERTS=${caFile} node app.js   with   setGlobalDispatcher(new ProxyAgent('${proxyUrl}')) from undici`,
    'curl:',
    `    curl --proxy ${proxyUrl} --cacert ${caFile} https://openapi.alipay.com/gateway.do`,
    'Python requests:',
    `    HTTPS_PROXY=${proxyUrl} HTTP_PROXY=${proxyUrl} REQUESTS_CA_BUNDLE=${caFile} python app.py`,
    'Java: it ignores HTTP_PROXY. Import the CA into a test truststore and pass the proxy as system properties:',
    `    keytool -importcert -noprompt -alias paymock -file ${caFile} -keystore paymock-truststore.p12 -storetype PKCS12 -storepass changeit`,
    `    java -Djavax.net.ssl.trustStore=paymock-truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit \\`,
    `         -Dhttps.proxyHost=${hostname} -Dhttps.proxyPort=${port} -Dhttp.proxyHost=${hostname} -Dhttp.proxyPort=${port} -jar app.jar`,
    'PHP (curl extension):',
    `    curl_setopt($ch, CURLOPT_PROXY, '${proxyUrl}'); curl_setopt($ch, CURLOPT_CAINFO, '${caFile}');`,
    'The OS trust store (every program trusts paymock then: only on a disposable test machine, and remove it after):',
    `    Debian/Ubuntu: sudo cp ${caFile} /usr/local/share/ca-certificates/paymock.crt && sudo update-ca-certificates`,
    `    macOS:         sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${caFile}`,
    `    Windows:       certutil -addstore -f Root ${caFile}`,
  ];
}
