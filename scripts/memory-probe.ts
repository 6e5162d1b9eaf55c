// Preloaded into a soaked paymock only (`--expose-gc --import ./scripts/memory-probe.ts`, see
// soak-child.ts), never part of src/: every PAYMOCK_PROBE_MS a full GC, then one stderr line with
// what survived it, so a growing RSS can be told apart from a growing heap; `spaces` is what
// each V8 heap space has reserved (the young generation's semi-spaces grow with allocation rate).
import v8 from 'node:v8';
const gc = (globalThis as { gc?: () => void }).gc;
const every = Number(process.env.PAYMOCK_PROBE_MS ?? 10_000);

if (gc) {
  setInterval(() => {
    gc();
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name.replace(/_space$/, ''), mb(space.space_size)]));
    const line = { rss: mb(rss), heapTotal: mb(heapTotal), heapUsed: mb(heapUsed), external: mb(external), arrayBuffers: mb(arrayBuffers), spaces };
    process.stderr.write(`paymock-memory ${JSON.stringify(line)}\n`);
  }, every).unref();
}
