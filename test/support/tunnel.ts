// A stand-in for the public tunnel (ngrok and the like) in front of paymock: another loopback
// port that passes every request through to a target port set later (paymock's, once started).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export async function startTunnel(t: TestContext): Promise<{ url: string; to(port: number): void }> {
  let target = 0;
  const server = http.createServer((req, res) => {
    const onward = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    onward.on('error', () => res.writeHead(502).end('tunnel: no answer'));
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, to: (port) => (target = port) };
}
