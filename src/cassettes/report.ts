// `paymock cassettes ls` and `paymock cassettes show`: reading cassettes for people.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PaymockError } from '../core/errors.js';
import { cassettePath, readCassette } from './store.js';

type Print = (line: string) => void;

async function jsonFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) found.push(...(await jsonFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)));
    else if (entry.name.endsWith('.json') && !entry.name.startsWith('.')) found.push(prefix + entry.name.slice(0, -5));
  }
  return found;
}

export interface CassetteSummaryLine {
  readonly name: string;
  readonly interactions: number;
  readonly apis: string[];
  readonly lastRecordedAt: string | undefined;
  readonly upstream: string | undefined;
  /** Set when the file does not parse or validate. */
  readonly error?: string;
}

export async function cassetteSummaries(dir: string): Promise<CassetteSummaryLine[]> {
  const summaries: CassetteSummaryLine[] = [];
  for (const name of await jsonFiles(dir)) {
    try {
      const cassette = await readCassette(cassettePath(dir, name));
      const interactions = cassette?.interactions ?? [];
      summaries.push({
        name,
        interactions: interactions.length,
        apis: [...new Set(interactions.map((i) => i.api))],
        lastRecordedAt: interactions.at(-1)?.recordedAt,
        upstream: cassette?.upstream,
      });
    } catch (error) {
      summaries.push({ name, interactions: 0, apis: [], lastRecordedAt: undefined, upstream: undefined, error: (error as Error).message });
    }
  }
  return summaries;
}

/** Prints one line per cassette; returns the exit code (1 when a file is broken). */
export async function listCassettes(dir: string, print: Print): Promise<number> {
  const summaries = await cassetteSummaries(dir);
  if (summaries.length === 0) print(`no cassettes in ${path.resolve(dir)}`);
  for (const c of summaries) {
    if (c.error) print(`${c.name}\tBROKEN: ${c.error.split('\n').join(' ')}`);
    else print(`${c.name}\t${c.interactions} interaction(s)\t${c.apis.length} api(s)\tlast recorded ${c.lastRecordedAt ?? '-'}${c.upstream ? `\tupstream ${c.upstream}` : ''}`);
  }
  return summaries.some((c) => c.error) ? 1 : 0;
}

export async function showCassette(dir: string, name: string, json: boolean, print: Print): Promise<void> {
  const file = cassettePath(dir, name);
  const cassette = await readCassette(file);
  if (!cassette) throw new PaymockError('CASSETTE_NOT_FOUND', `cassette ${file} does not exist`);
  if (json) {
    print(JSON.stringify(cassette, null, 2));
    return;
  }
  print(`cassette ${cassette.name} (${file}): ${cassette.interactions.length} interaction(s)${cassette.upstream ? `, upstream ${cassette.upstream}` : ''}`);
  cassette.interactions.forEach((interaction, index) => {
    const { request, response } = interaction;
    print(`#${index}  ${interaction.recordedAt}  ${request.method} ${request.url} -> ${response.status}  ${interaction.latencyMs} ms  [${interaction.dialect}] ${interaction.api}`);
    print(`    key ${interaction.key.hash}: ${Object.entries(interaction.key.fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
  });
}
