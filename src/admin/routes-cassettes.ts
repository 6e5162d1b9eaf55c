// Cassettes: list, show, delete one interaction (of the open cassette, or of any file).
import { Router } from 'express';
import { cassetteSummaries } from '../cassettes/report.js';
import { cassettePath, openCassette, readCassette } from '../cassettes/store.js';
import { PaymockError } from '../core/errors.js';
import type { AdminContext } from './context.js';

/** Cassette names may hold `/` (folders): they come URL-encoded in one path segment. */
const nameOf = (raw: string) => decodeURIComponent(raw);

export function cassetteRoutes(context: AdminContext): Router {
  const router = Router();
  router.get('/cassettes', async (_req, res) => {
    res.json({ open: context.cassette?.name ?? null, cassettes: await cassetteSummaries(context.cassettesDir) });
  });
  router.get('/cassettes/:name', async (req, res) => {
    const name = nameOf(req.params.name);
    const cassette = await readCassette(cassettePath(context.cassettesDir, name));
    if (!cassette) throw new PaymockError('NOT_FOUND', `no cassette "${name}"`);
    res.json(cassette);
  });
  router.delete('/cassettes/:name/interactions/:index', async (req, res) => {
    const name = nameOf(req.params.name);
    const index = Number(req.params.index);
    if (!Number.isInteger(index) || index < 0) throw new PaymockError('BAD_REQUEST', `interaction index must be 0 or more, got "${req.params.index}"`);
    if (context.cassette?.name === name) {
      if (!context.cassette.remove(index)) throw new PaymockError('NOT_FOUND', `cassette "${name}" has no interaction #${index}`);
      await context.cassette.flush();
    } else {
      const store = await openCassette(context.cassettesDir, name, { flushIntervalMs: 0, mustExist: true, onError: () => undefined });
      if (!store.remove(index)) throw new PaymockError('NOT_FOUND', `cassette "${name}" has no interaction #${index}`);
      await store.flush();
    }
    res.status(204).end();
  });
  return router;
}
