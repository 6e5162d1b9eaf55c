// Compare two V8 heap snapshots (as written by the soak's SOAK_SNAPSHOTS=1): live objects and
// their own bytes grouped by kind and constructor, largest growth first.
// Usage: npx tsx scripts/heap-diff.ts FIRST.heapsnapshot LAST.heapsnapshot [rows]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Groups = Map<string, { count: number; bytes: number }>;

function groups(file: string): { groups: Groups; total: number } {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const byName: Groups = new Map();
  let total = 0;
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt]!]!;
    const size = heap.nodes[i + sizeAt]!;
    // Strings are named by their own text: one group for all of them.
    const name = ['string', 'concatenated string', 'sliced string'].includes(type) ? '' : heap.strings[heap.nodes[i + nameAt]!]!.slice(0, 60);
    const key = `${type} ${name}`.trim();
    const group = byName.get(key) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += size;
    total += size;
    byName.set(key, group);
  }
  return { groups: byName, total };
}

const [firstFile, lastFile, rows = '25'] = process.argv.slice(2);
if (!firstFile || !lastFile) throw new Error('usage: heap-diff.ts FIRST.heapsnapshot LAST.heapsnapshot [rows]');
const first = groups(firstFile);
const last = groups(lastFile);
const mb = (bytes: number) => (bytes / 1048576).toFixed(2);
console.log(`live bytes: ${mb(first.total)} MB -> ${mb(last.total)} MB`);
const keys = new Set([...first.groups.keys(), ...last.groups.keys()]);
const diff = [...keys].map((key) => {
  const a = first.groups.get(key) ?? { count: 0, bytes: 0 };
  const b = last.groups.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: b.count - a.count, bytes: b.bytes - a.bytes, now: b };
});
diff.sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes));
console.log('bytes change  count change  now (count, MB)  group');
for (const row of diff.slice(0, Number(rows))) {
  console.log(`${mb(row.bytes).padStart(12)}  ${String(row.count).padStart(12)}  ${String(row.now.count).padStart(8)} ${mb(row.now.bytes).padStart(7)}  ${row.key}`);
}
