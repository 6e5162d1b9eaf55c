// The front door handles the requests read in one turn together, then answers them together:
// requests that arrive at once, pipelined on one connection or on many, still get each its own
// answer, in each connection's order, and an answer that has to wait holds back no other connection.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { startPaymock, type PaymockOptions } from '../../src/index.js';
import { tempDir } from '../support/tmp.js';

const RULES = `
- id: slow
  name: GET /slow answers after a second
  when: { dialect: http, api: GET /slow }
  then: { delayMs: 1000, response: { status: 200, headers: { content-type: text/plain }, body: slow } }
- id: fast
  name: GET /fast answers at once
  when: { dialect: http, api: GET /fast }
  then: { response: { status: 200, headers: { content-type: text/plain }, body: fast } }
`;

const get = (target: string, last = false) => `GET ${target} HTTP/1.1\r\nHost: shop.test\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;

/** The status of each answer read from one connection, in order; each body goes onto `arrivals` as it comes (all connections). */
function exchange(port: number, requests: string, arrivals: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let seen = 0;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const bodies = [...text.matchAll(/\r\n\r\n(slow|fast|paymock miss[^\n]*)/g)].map((match) => match[1]!);
      for (; seen < bodies.length; seen++) arrivals.push(bodies[seen]!);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]!)));
    socket.write(requests);
  });
}

test('requests arriving together get their own answers, in each connection\'s order; a delayed one holds back no other connection', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'batch.yaml'), RULES);
  const paymock = await startPaymock({ port: 0, mode: 'mock', rulesDir: dir, cassettesDir: dir, caDir: path.join(dir, 'ca'), log: 'silent' } as PaymockOptions);
  t.after(() => paymock.stop());
  const port = Number(new URL(paymock.url).port);

  const arrivals: string[] = [];
  // One write each, so that every request of a connection is read in the same turn.
  const pipelined = exchange(port, get('/slow') + get('/fast') + get('/nothing-here') + get('/fast', true), arrivals);
  const others = Array.from({ length: 20 }, (_, i) => exchange(port, get('/fast') + get(i % 2 ? '/fast' : '/nothing-here', true), arrivals));

  assert.deepEqual(await pipelined, ['200', '200', '404', '200'], 'answered in the order asked, the delayed one first');
  assert.deepEqual(await Promise.all(others), Array.from({ length: 20 }, (_, i) => ['200', i % 2 ? '200' : '404']));
  assert.equal(arrivals.length, 4 + 40);
  assert.equal(arrivals.indexOf('slow'), 40, 'every other connection was answered while the slow answer waited');
  assert.equal(arrivals[41], 'fast', 'behind it on its own connection, in order');
  assert.match(arrivals[42]!, /^paymock miss/);
  assert.equal(arrivals[43], 'fast');
});
