// Stopping the real command line while it records under load: SIGTERM / SIGINT arrive with
// hundreds of distinct exchanges inside paymock. Every exchange a client got its answer for must
// be on disk, and nothing a client did not get an answer for may be.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCassette } from '../../src/cassettes/store.js';
import { startPaymock } from '../../src/index.js';
import { send } from '../support/client.js';
import { output, paymock, started } from '../support/cli.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { tempDir } from '../support/tmp.js';
import { until } from '../support/until.js';

const WORKERS = 16; // keep-alive connections, one request at a time each
const PER_WORKER = 200; // a bound: the workers stop when paymock does
const HELD = 200; // one-shot requests the upstream holds until after the signal
const ANSWERED_BEFORE_SIGNAL = 150;

const idOf = (url: string) => new URL(url, 'http://x').searchParams.get('id')!;


for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} with hundreds of exchanges in flight: every answered one is on disk, nothing unanswered is`, async (t) => {
    const dir = await tempDir(t);
    const upstream = await startFakeUpstream();
    t.after(() => upstream.close());
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const answer = (url: string) => ({ headers: { 'Content-Type': 'text/plain' }, body: idOf(url) });
    upstream.route('GET', '/r', async (req) => (await sleep(1 + Math.random() * 20), answer(req.url)));
    upstream.route('GET', '/held', async (req) => (await released, await sleep(Math.random() * 50), answer(req.url)));
    // A long flush window: only the stop's own flush can have written what is on disk.
    await writeFile(path.join(dir, 'paymock.json'), JSON.stringify({ flushIntervalMs: 60_000, log: 'silent' }));
    const proc = paymock(['record', 'load', '--upstream', upstream.url, '--port', '0', '--config', 'paymock.json'], dir);
    const { url } = await started(proc);

    // id -> 'answered', or how the request ended otherwise (an error code, a status).
    const outcomes = new Map<string, string>();
    const inFlight = new Set<string>();
    let signalled = false;
    const afterSignal = new Set<string>();
    const one = async (id: string, route: string, agent: http.Agent | false): Promise<boolean> => {
      inFlight.add(id);
      if (signalled) afterSignal.add(id);
      try {
        const got = await send(`${url}${route}?id=${id}`, { agent });
        outcomes.set(id, got.status === 200 && got.body.toString() === id ? 'answered' : `HTTP ${got.status}`);
      } catch (error) {
        outcomes.set(id, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      } finally {
        inFlight.delete(id);
      }
      return outcomes.get(id) === 'answered';
    };
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < PER_WORKER && (await one(`w${w}-${i}`, '/r', agent)); i++);
      agent.destroy();
    });
    const answered = () => [...outcomes.values()].filter((o) => o === 'answered').length;
    await until(() => answered() >= ANSWERED_BEFORE_SIGNAL, `${ANSWERED_BEFORE_SIGNAL} answers`, 30_000);
    const held = Array.from({ length: HELD }, (_, i) => one(`h${i}`, '/held', false));
    await until(() => upstream.received.filter((r) => r.url.startsWith('/held')).length === HELD, 'the held requests to reach the upstream', 30_000);

    const atSignal = inFlight.size;
    const answeredAtSignal = answered();
    proc.child.kill(signal);
    signalled = true;
    await sleep(100);
    release();
    await Promise.all([...workers, ...held]);
    const { code, stdout, stderr } = await output(proc);
    assert.equal(code, 0, stderr);

    // Loaded through the store's own reader: valid JSON, a valid cassette.
    const file = path.join(dir, 'cassettes', 'load.json');
    const cassette = await readCassette(file);
    assert.ok(cassette, 'the cassette exists');
    const recorded = cassette.interactions.map((interaction) => idOf(interaction.request.url));
    assert.equal(new Set(recorded).size, recorded.length, 'each exchange recorded once');
    const onDisk = new Set(recorded);
    const answeredIds = [...outcomes].filter(([, o]) => o === 'answered').map(([id]) => id);
    const others = [...outcomes].filter(([, o]) => o !== 'answered');
    t.diagnostic(
      `${signal}: ${atSignal} in flight at the signal (${HELD} held upstream), ${answeredAtSignal} answered before it; ` +
        `${answeredIds.filter((id) => afterSignal.has(id)).length} sent after it and answered (racing the signal), ` +
        `${answeredIds.length} answered in all, ${others.length} closed (${[...new Set(others.map(([, o]) => o))].join(', ') || 'none'}), ${onDisk.size} on disk`,
    );
    assert.deepEqual(answeredIds.filter((id) => !onDisk.has(id)), [], 'answered but not on disk');
    assert.deepEqual(recorded.filter((id) => outcomes.get(id) !== 'answered'), [], 'on disk but never answered');
    assert.deepEqual(
      Array.from({ length: HELD }, (_, i) => `h${i}`).filter((id) => outcomes.get(id) !== 'answered'),
      [],
      'exchanges inside paymock when the signal came are answered',
    );
    // A request sent on a kept-alive connection once the stop began is not taken: at most the one
    // per connection that raced the signal to paymock is answered (a count, not a timing).
    assert.ok(answeredIds.filter((id) => afterSignal.has(id)).length <= 2 * WORKERS, 'no new requests are taken once stopping');
    // Whatever was not answered ended with a clean close or a refused connection, never an error answer.
    assert.deepEqual(others.filter(([, o]) => !/^(ECONNRESET|ECONNREFUSED|EPIPE)$/.test(o)), []);
    assert.match(stdout, new RegExp(`cassette "load": ${onDisk.size} new interaction\\(s\\) written`));
    assert.equal(existsSync(`${file}.lock`), false, 'the write lock is released');
  });
}

test('a request pipelined behind one in flight when the stop begins does not cut that answer, which is recorded; it is not taken', async (t) => {
  const dir = await tempDir(t);
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  upstream.route('GET', '/held', async () => (await released, { headers: { 'Content-Type': 'text/plain' }, body: 'first answer' }));
  const paymock = await startPaymock({ mode: 'record', cassette: 'piped', upstream: upstream.url, port: 0, cassettesDir: dir, caDir: path.join(dir, 'ca'), rulesDir: path.join(dir, 'rules'), log: 'silent' });
  const socket = net.connect(paymock.port, '127.0.0.1');
  let reply = '';
  socket.on('data', (chunk) => (reply += chunk));
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write('GET /held?id=1 HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => upstream.received.length === 1, 'the first request to reach the upstream', 30_000);
  const stopped = paymock.stop();
  socket.write('GET /held?id=2 HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(200); // let paymock read the second request while the first is still held
  release();
  await Promise.all([stopped, closed]);
  // One answer, the connection's last; then the connection closes.
  assert.match(reply, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close[\s\S]*\r\n\r\nfirst answer$/);
  const cassette = await readCassette(path.join(dir, 'piped.json'));
  assert.deepEqual(cassette?.interactions.map((i) => idOf(i.request.url)), ['1'], 'the answered one is recorded, the refused one is not');
  assert.equal(upstream.received.length, 1, 'the refused request never reached the upstream');
});
