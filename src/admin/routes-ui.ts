// The dashboard: static files (no build step) and the live feed of exchanges as server-sent events.
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { JournalEntry } from '../core/journal.js';
import type { AdminContext } from './context.js';

const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));
const HEARTBEAT_MS = 15_000;

export function uiRoutes(context: AdminContext): Router {
  const router = Router();
  router.get('/', (_req, res) => res.sendFile('index.html', { root: UI_DIR }));
  router.use('/ui', express.static(UI_DIR, { index: false, maxAge: 0 }));
  router.get('/events', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const send = (entry: JournalEntry) => res.write(`id: ${entry.id}\nevent: exchange\ndata: ${JSON.stringify(entry)}\n\n`);
    const since = typeof req.query.since === 'string' ? req.query.since : undefined;
    // What happened between the page's journal fetch and this subscription is not lost.
    if (since) for (const entry of context.journal.list({ since })) send(entry);
    const unsubscribe = context.journal.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
    req.on('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
    });
  });
  return router;
}
