// Loading cassettes: the byte scanner (scan.ts) against the ordinary JSON.parse + schema path,
// interactions left in the file until read, bodies encoded on first use, and stored keys reused
// only when the file's key signature is this paymock's.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { cassetteText } from '../../src/cassettes/append.js';
import { emptyCassette, type StoredInteraction } from '../../src/cassettes/format.js';
import { keySignature } from '../../src/cassettes/key-signature.js';
import { loadCassetteFile, parseCassetteText } from '../../src/cassettes/load.js';
import { RawStoredInteraction } from '../../src/cassettes/raw-interaction.js';
import { CassetteSession } from '../../src/cassettes/session.js';
import { openCassette } from '../../src/cassettes/store.js';
import { encodeText, fromStored, textBody } from '../../src/core/body.js';
import { makeKey } from '../../src/core/match-key.js';
import type { HttpRequest, Interaction } from '../../src/core/types.js';
import { httpDialect } from '../../src/dialects/http.js';
import { storedPay } from '../support/stored.js';
import { tempDir } from '../support/tmp.js';

const TRICKY = 'a "quoted" {brace} [bracket] \\ back\\slash \\" } ] , : 订单 😀 \u0001 end\\';

function stored(i: number): StoredInteraction {
  return storedPay(i, {
    ...(i % 2 ? { merchantIds: { out_trade_no: `单-${i} ${TRICKY}` } } : {}),
    keyFields: { subject: `商品${i}`, tricky: TRICKY },
    requestJson: `{"t":${JSON.stringify(TRICKY)}}`,
    responseXml: `<r>${TRICKY.replace(/\u0001/, '')} ${i}</r>`,
  });
}

const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

async function loadText(dir: string, text: string) {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, text);
  return { file, loaded: await loadCassetteFile(file) };
}

test('the scanner reads pretty, minified and reordered files as JSON.parse + the schema do', async (t) => {
  const dir = await tempDir(t);
  const data = { ...emptyCassette('c', 'http://up', 'v1:x'), interactions: [stored(0), stored(1), stored(2)] };
  const reordered = { interactions: data.interactions.map(({ response, request, ...rest }) => ({ response, ...rest, request })), name: 'c', paymock: 1, keys: 'v1:x', upstream: 'http://up' };
  for (const [label, text, appendable] of [
    ['pretty', cassetteText(data), true],
    ['minified', JSON.stringify(data), true],
    ['reordered', JSON.stringify(reordered, null, 4), false],
    ['\\r\\n and tabs', JSON.stringify(data, null, '\t').replaceAll('\n', '\r\n'), true],
    ['paymock layout with \\r\\n', cassetteText(data).replaceAll('\n', '\r\n'), true],
    ['one per line', `{"paymock":1,"name":"c","upstream":"http://up","keys":"v1:x","interactions":[\n${data.interactions.map((i) => JSON.stringify(i)).join(',\n')}\n]}\n`, true],
    ['two on a line', `{"paymock":1,"name":"c","upstream":"http://up","keys":"v1:x","interactions":[\n${JSON.stringify(data.interactions[0])}, ${JSON.stringify(data.interactions[1])},\n  ${JSON.stringify(data.interactions[2])}\n]}\n`, true],
    // A value holding what an interaction's closing line looks like: in JSON it is `\n`, never a raw newline.
    ['a value like a closing line', cassetteText({ ...data, interactions: data.interactions.map((i) => ({ ...i, key: { ...i.key, fields: { ...i.key.fields, brace: '\n    },\n    {' } } })) }), true],
  ] as const) {
    const { file, loaded } = await loadText(dir, text);
    assert.ok(loaded, label);
    assert.deepEqual(plain(loaded.data), plain(parseCassetteText(text, file).data), label);
    assert.equal(loaded.appendable, appendable, label);
    assert.ok(loaded.data.interactions.every((interaction) => interaction instanceof RawStoredInteraction), `${label}: left in the file`);
    assert.equal(loaded.data.interactions[1]!.key.fields.subject, '商品1', label);
    assert.equal(loaded.data.interactions[1]!.key.fields.tricky, TRICKY, label);
    assert.deepEqual(loaded.data.interactions[1]!.merchantIds, { out_trade_no: `单-1 ${TRICKY}` }, label);
    assert.equal(loaded.data.interactions[0]!.merchantIds, undefined, label);
    assert.equal(loaded.data.interactions[2]!.response.body && 'text' in loaded.data.interactions[2]!.response.body ? loaded.data.interactions[2]!.response.body.text : '', `<r>${TRICKY.replace(/\u0001/, '')} 2</r>`);
  }
  // An empty cassette, and one with a field of its own: the ordinary path (or the same result).
  for (const text of [cassetteText(emptyCassette('e')), JSON.stringify({ ...data, extra: { a: [1, '}'] } })]) {
    const { file, loaded } = await loadText(dir, text);
    assert.deepEqual(plain(loaded!.data), plain(parseCassetteText(text, file).data));
  }
});

test('a cassette longer than the read window loads as JSON.parse + the schema read it, in either layout', async (t) => {
  const dir = await tempDir(t);
  // About 6 MB: interactions straddle the 4 MB window, and the one that does is found again after more is read.
  const big = 'x'.repeat(3000);
  const interactions = Array.from({ length: 1500 }, (_, i) => storedPay(i, { keyFields: {}, requestJson: `{"pad":"${big}","i":${i}}`, responseXml: `<r>${i}</r>` }));
  const data = { ...emptyCassette('big', 'http://up', 'v1:x'), interactions };
  for (const text of [cassetteText(data), JSON.stringify(data)]) {
    const { file, loaded } = await loadText(dir, text);
    assert.ok(Buffer.byteLength(text) > 4 << 20);
    assert.ok(loaded!.data.interactions.every((interaction) => interaction instanceof RawStoredInteraction), 'left in the file');
    assert.deepEqual(plain(loaded!.data), plain(parseCassetteText(text, file).data));
  }
});

test('over many read windows, with interactions larger than the room kept in front, the scanner reads as JSON.parse does', async (t) => {
  const dir = await tempDir(t);
  // About 14 MB, four reads: the loader reads each window into a buffer the previous window used,
  // and an interaction over the 256 KB kept in front of a read is carried over in a copy instead.
  const pad = (bytes: number, i: number) => `{"pad":"${'x'.repeat(bytes)}","i":${i}}`;
  const sizes = [...Array<number>(1300).fill(3000), ...Array<number>(10).fill(600_000), ...Array<number>(1400).fill(3000)];
  const interactions = sizes.map((bytes, i) => storedPay(i, { keyFields: {}, requestJson: pad(bytes, i), responseXml: `<r>${i}</r>` }));
  const data = { ...emptyCassette('windows', 'http://up', 'v1:x'), interactions };
  for (const text of [cassetteText(data), JSON.stringify(data)]) {
    const bytes = Buffer.from(text);
    // The premise: some read boundary (every 4 MB of the file) falls more than 256 KB into an interaction.
    const starts: number[] = [];
    for (let at = bytes.indexOf('"recordedAt"'); at >= 0; at = bytes.indexOf('"recordedAt"', at + 1)) starts.push(at);
    const carried = [1, 2, 3].some((k) => {
      const boundary = k * (4 << 20);
      const start = starts.filter((at) => at <= boundary).at(-1)!;
      return boundary - start > (256 << 10) + 64;
    });
    assert.ok(bytes.length > 12 << 20 && carried, 'the file spans four reads and one interaction is carried over in a copy');
    const { file, loaded } = await loadText(dir, text);
    assert.equal(loaded!.data.interactions.length, sizes.length);
    assert.ok(loaded!.data.interactions.every((interaction) => interaction instanceof RawStoredInteraction), 'scanned, not parsed the ordinary way');
    assert.deepEqual(plain(loaded!.data), plain(parseCassetteText(text, file).data));
  }
});

test('a truncated or invalid cassette gives the same error naming the file, and is never overwritten', async (t) => {
  const dir = await tempDir(t);
  const good = cassetteText({ ...emptyCassette('c'), interactions: [stored(0), stored(1)] });
  const bad = JSON.parse(good) as { interactions: Array<{ response: { status: number } }> };
  bad.interactions[1]!.response.status = 42;
  for (const text of [good.slice(0, Math.floor(good.length / 2)), good.slice(0, -3), cassetteText(bad), `${good}x`, good.replace('"paymock": 1', '"paymock": 99')]) {
    const file = path.join(dir, 'c.json');
    await writeFile(file, text);
    let expected: Error | undefined;
    try {
      parseCassetteText(text, file);
    } catch (error) {
      expected = error as Error;
    }
    assert.ok(expected, 'the ordinary path refuses it');
    await assert.rejects(loadCassetteFile(file), (error: Error) => error.message === expected.message && error.message.includes(file));
    await assert.rejects(openCassette(dir, 'c', { flushIntervalMs: 0, mustExist: false, onError: () => undefined }), /cassette .*c\.json/);
    assert.equal(await readFile(file, 'utf8'), text, 'never overwritten');
  }
  await assert.rejects(loadText(dir, cassetteText(bad)), /interactions\[1\]\.response\.status: Too small/);
  const badIds = JSON.parse(good) as { interactions: Array<{ merchantIds?: unknown }> };
  badIds.interactions[1]!.merchantIds = { out_trade_no: 7 };
  await assert.rejects(loadText(dir, cassetteText(badIds as never)), /interactions\[1\]\.merchantIds\.out_trade_no: Invalid input: expected string/);
});

test('interactions read from the file on first use, and written back byte for byte', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'c.json');
  const all = [stored(0), stored(1), stored(2)];
  await writeFile(file, cassetteText({ ...emptyCassette('c'), interactions: all }));
  const store = await openCassette(dir, 'c', { flushIntervalMs: 10_000, mustExist: true, onError: (e) => assert.fail(e) });
  store.update(1, stored(9));
  await store.close(); // a whole rewrite: every interaction read back from the (old) file
  assert.equal(await readFile(file, 'utf8'), cassetteText({ ...emptyCassette('c'), interactions: [all[0], stored(9), all[2]] }));
});

test('stored bodies are encoded on first use, to the same bytes as iconv gives', () => {
  for (const [text, charset] of [
    ['<a>T</a>', 'GBK'],
    ['<a>商品：订单 "x" 测试</a>\n', 'GBK'],
    ['订单', 'gb18030'],
    ['ascii then 中文 and € then 中', 'GB18030'],
    ['naïve café', 'utf-8'],
    ['naïve café', 'latin1'],
    ['日本語', 'Shift_JIS'],
    ['', 'GBK'],
  ] as const) {
    assert.deepEqual(encodeText(text, charset), iconv.encode(text, charset, { addBOM: false }), `${charset}: ${text}`);
    const body = fromStored({ charset, text });
    assert.equal(body.text, text);
    assert.equal(body.charset, charset);
    assert.deepEqual(body.bytes, encodeText(text, charset));
    assert.equal(body.bytes, body.bytes, 'encoded once');
    // Kept in a working set: the text is let go once the bytes are made, and decoded again the same.
    const once = fromStored({ charset, text }, true);
    assert.equal(once.text, text);
    assert.deepEqual(once.bytes, encodeText(text, charset));
    assert.equal(once.text, text, `${charset}: the same text again, from the bytes`);
    assert.equal(once.charset, charset);
  }
  assert.throws(() => fromStored({ charset: 'no-such-charset', text: 'x' }), 'an unknown charset fails as the cassette loads');
});

const request: HttpRequest = { method: 'POST', url: 'http://h/pay', headers: [['Content-Type', 'application/json']], body: textBody('{"subject":"订单"}') };
const response = { status: 200, headers: [['Content-Type', 'text/plain; charset=utf-8']] as Array<[string, string]>, body: textBody('ok') };
const realKey = httpDialect.fingerprint(httpDialect.decode(request), request);

function recorded(): Interaction {
  return { recordedAt: new Date(0).toISOString(), latencyMs: 1, dialect: 'http', api: 'POST /pay', key: realKey, request, response };
}

const openSession = (dir: string, keys: string) =>
  CassetteSession.open({ dir, name: 'k', flushIntervalMs: 10_000, mustExist: false, onError: (e) => assert.fail(e), keys }, [httpDialect]);

test('stored keys are used as they are when the key signature matches, recomputed when it does not', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'k.json');
  const mine = keySignature({});
  assert.notEqual(mine, keySignature({ '*': { ignore: ['x'] } }));
  let session = await openSession(dir, mine);
  session.record(recorded());
  await session.close();
  const written = JSON.parse(await readFile(file, 'utf8')) as { keys: string; interactions: Array<{ key: { hash: string; fields: Record<string, string> } }> };
  assert.equal(written.keys, mine);
  assert.deepEqual(written.interactions[0]!.key.fields, realKey.fields);
  // Tampered stored key: with the same signature it is what the cassette replays under.
  written.interactions[0]!.key.fields = { ...realKey.fields, body: 'tampered' };
  const tampered = makeKey({ ...written.interactions[0]!.key.fields });
  await writeFile(file, cassetteText(written));
  const call = httpDialect.decode(request);
  session = await openSession(dir, mine);
  assert.ok(session.answer(tampered, call, request, httpDialect), 'the stored key, not decoded again');
  assert.equal(session.answer(realKey, call, request, httpDialect), undefined);
  await session.close();
  // Another signature (older paymock, other match settings): recomputed from the request.
  session = await openSession(dir, 'v0:other');
  assert.ok(session.answer(realKey, call, request, httpDialect), 'recomputed');
  assert.equal(session.answer(tampered, call, request, httpDialect), undefined);
  await session.close();
  assert.equal(JSON.parse(await readFile(file, 'utf8')).keys, mine, 'nothing written by replaying');
  session = await openSession(dir, 'v0:other');
  session.record(recorded());
  await session.close();
  const rewritten = JSON.parse(await readFile(file, 'utf8')) as typeof written;
  assert.equal(rewritten.keys, 'v0:other', 'the header follows the keys now in the file');
  assert.deepEqual(rewritten.interactions.map((interaction) => interaction.key.fields), [realKey.fields, realKey.fields]);
});

test('a large cassette keeps made only what fits its working set, and replays the same bytes after letting go', async (t) => {
  const dir = await tempDir(t);
  const all = [0, 1, 2, 3].map((i) => stored(i));
  await writeFile(path.join(dir, 'w.json'), cassetteText({ ...emptyCassette('w'), keys: keySignature({}), interactions: all }));
  // Room for two of them (each is about as long as the next in the file).
  const size = Math.max(...(await loadCassetteFile(path.join(dir, 'w.json')))!.data.interactions.map((raw) => (raw as RawStoredInteraction).size));
  const session = await CassetteSession.open({ dir, name: 'w', flushIntervalMs: 10_000, mustExist: true, onError: (e) => assert.fail(e), keys: keySignature({}), workingSetBytes: 2 * size + 2 }, [httpDialect]);
  const answered = (i: number) => {
    const live = session.interactions[i]!;
    const answer = session.answer(live.key, httpDialect.decode(live.request), live.request, httpDialect);
    assert.ok(answer, `interaction ${i} answers`);
    return answer.response.body.bytes;
  };
  const first = all.map((_, i) => answered(i));
  assert.deepEqual(first[3], iconv.encode(`<r>${TRICKY.replace(/\u0001/, '')} 3</r>`, 'GBK'));
  assert.equal(session.summary().workingSet.interactions, 2, 'the two made last are kept');
  assert.ok(session.summary().workingSet.bytes <= 2 * size + 2);
  const made = session.interactions[3]!.request;
  assert.equal(session.interactions[3]!.request, made, 'one identity while kept');
  assert.notEqual(session.interactions[0]!.request, made);
  all.forEach((_, i) => assert.deepEqual(answered(i), first[i], `interaction ${i} again, read back from the file`));
  // A notification attached to an interaction that was let go and made again: found, not lost.
  const old = session.interactions[1]!;
  const notification = { receivedAt: new Date(5000).toISOString(), headers: [['Content-Type', 'application/x-www-form-urlencoded']] as Array<[string, string]>, body: textBody('notify_id=1') };
  const updated = session.attachNotification(old, notification);
  assert.equal(updated?.notifications?.length, 1);
  for (let i = 0; i < 4; i++) answered(i);
  assert.equal(session.current(old), updated, 'the interaction as it now is');
  assert.equal(session.attachNotification(old, notification)?.notifications?.length, 2);
  await session.close();
  const written = JSON.parse(await readFile(path.join(dir, 'w.json'), 'utf8')) as { interactions: StoredInteraction[] };
  assert.equal(written.interactions[1]!.notifications?.length, 2);
  assert.deepEqual(plain(written.interactions[2]), plain(all[2]), 'the others written back as they were');
});

test("a kept interaction's request is held only while something uses it, and made again from the file after", async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc') as () => void;
  const dir = await tempDir(t);
  const all = [0, 1].map((i) => stored(i));
  await writeFile(path.join(dir, 'r.json'), cassetteText({ ...emptyCassette('r'), keys: keySignature({}), interactions: all }));
  const session = await CassetteSession.open({ dir, name: 'r', flushIntervalMs: 10_000, mustExist: true, onError: (e) => assert.fail(e), keys: keySignature({}) }, [httpDialect]);
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  // Made and read in a function of its own, so that nothing here holds the request.
  const firstLook = () => {
    const request = session.interactions[1]!.request;
    registry.register(request, 1);
    return { headers: request.headers.map((pair) => [...pair]), bytes: Buffer.from(request.body.bytes) };
  };
  const before = firstLook();
  const response = session.interactions[1]!.response;
  for (let round = 0; round < 20 && !collected; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    collect();
  }
  assert.ok(collected, 'the request was let go while the interaction stayed made');
  assert.equal(session.interactions[1]!.response, response, 'the response is kept');
  const again = session.interactions[1]!.request;
  assert.deepEqual(again.headers, before.headers);
  assert.deepEqual(again.body.bytes, before.bytes);
  assert.equal(session.interactions[1]!.request, again, 'one identity while held');
  await session.close();
});
