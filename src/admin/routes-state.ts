// health, mode, journal, verify and the simulated sandbox.
import { Router } from 'express';
import { z } from 'zod';
import { MODES } from '../config.js';
import { PaymockError } from '../core/errors.js';
import type { JournalEntry } from '../core/journal.js';
import { SESSION_HEADER, SESSION_ID } from '../core/session.js';
import { callView, matchWhen } from '../rules/match.js';
import { WhenSchema } from '../rules/schema.js';
import type { AdminContext } from './context.js';
import { parseBody } from './errors.js';

const ModeBody = z.object({ mode: z.enum(MODES, { error: `expected one of ${MODES.join(', ')}` }) }).strict();
const JournalQuery = z
  .object({
    api: z.string().optional(),
    source: z.enum(['rule', 'cassette', 'default', 'upstream', 'miss']).optional(),
    since: z.string().optional(),
    limit: z.coerce.number().int().positive().optional(),
  })
  .strict();
const SessionId = z.string().regex(SESSION_ID, 'expected 1-64 letters, digits, ".", "_" or "-"');
const SessionQuery = z.object({ session: SessionId.optional() }).strict();
const SessionBody = z.object({ cassette: z.string().min(1) }).strict();
const VerifyBody = z.object({ when: WhenSchema.optional(), count: z.number().int().min(0).optional() }).strict();

/** A journal entry as a rule condition sees it. */
function viewOf(entry: JournalEntry) {
  return callView(entry.call, { method: entry.method, url: entry.url, headers: entry.request.headers, body: { bytes: Buffer.alloc(0), charset: undefined, text: '' } });
}

export function stateRoutes(context: AdminContext): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    const cassette = context.cassette?.summary();
    res.json({
      status: 'ok',
      mode: context.mode(),
      version: context.version,
      startedAt: context.startedAt,
      counts: context.counts(),
      journal: context.journal.size,
      // Its memory: bounded by journalSize x 32 KB (journal.ts).
      journalBytes: context.journal.bytes,
      rules: context.rules.rules.length,
      trades: context.sandbox.trades().length,
      cassette: cassette ? { name: cassette.name, loaded: cassette.loaded, recorded: cassette.recorded, workingSet: cassette.workingSet } : null,
      tls: context.tls(),
    });
  });
  router.put('/mode', (req, res) => {
    const { mode } = parseBody(ModeBody, req.body, 'mode');
    context.setMode(mode);
    res.json({ mode: context.mode() });
  });
  router.get('/journal', (req, res) => {
    const filter = parseBody(JournalQuery, req.query, 'journal query');
    res.json({ entries: context.journal.list(filter) });
  });
  router.delete('/journal', (_req, res) => {
    context.journal.clear();
    res.status(204).end();
  });
  router.post('/verify', (req, res) => {
    const { when, count } = parseBody(VerifyBody, req.body, 'verify body');
    const matched = context.journal.list().filter((entry) => matchWhen(when, viewOf(entry)).ok);
    res.json({ matched: matched.length, ids: matched.map((entry) => entry.id), ...(count === undefined ? {} : { expected: count, ok: matched.length === count }) });
  });
  // ?session=<id> picks a session's ledger; without it, the default ledger.
  router.get('/sandbox/trades', (req, res) => {
    const { session } = parseBody(SessionQuery, req.query, 'sandbox query');
    res.json({ session: session ?? null, trades: context.sandbox.trades(session), sessions: context.sandbox.sessions() });
  });
  router.post('/sandbox/reset', (req, res) => {
    const { session } = parseBody(SessionQuery, req.query, 'sandbox query');
    context.sandbox.reset(session);
    res.json({ session: session ?? null, trades: 0 });
  });
  router.get('/notifications', (_req, res) => {
    res.json({ notifications: context.notifier.list() });
  });
  router.post('/notifications/:id/send', async (req, res) => {
    const sent = await context.notifier.sendNow(req.params.id);
    if (!sent) throw new PaymockError('NOT_FOUND', `no notification ${req.params.id}`);
    res.json({ notification: sent });
  });
  router.get('/sessions', (_req, res) => {
    res.json({ header: SESSION_HEADER, sessions: context.sessions.list(), ledgers: context.sandbox.sessions() });
  });
  router.put('/sessions/:id', async (req, res) => {
    const id = parseBody(SessionId, req.params.id, 'session id');
    const { cassette } = parseBody(SessionBody, req.body, 'session');
    const opened = await context.sessions.open(id, cassette);
    res.json({ session: id, cassette: opened.name });
  });
  router.delete('/sessions/:id', async (req, res) => {
    const closed = await context.sessions.close(req.params.id);
    context.sandbox.reset(req.params.id);
    res.status(closed ? 204 : 404).end();
  });
  return router;
}
