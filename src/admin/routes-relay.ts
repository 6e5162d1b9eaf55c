// The notify relay's endpoints. The real sandbox calls them from the internet, so they are mounted
// ahead of the admin guard (security.ts): each forwards only to a URL paymock registered itself
// (`notify/<token>`) or to loopback and --forward-hosts (`notify/to/<URL>`), never further.
import { Router, type Request, type Response } from 'express';
import { fromRaw } from '../core/headers.js';
import type { NotifyRelay, RelayAnswer } from '../notify/relay.js';
import { readBody } from '../server/read-body.js';

/** Notifications are small forms; this is far above any real one. */
const MAX_NOTIFICATION_BYTES = 1024 * 1024;

async function relayed(req: Request, res: Response, send: (incoming: { headers: ReturnType<typeof fromRaw>; bytes: Buffer }) => Promise<RelayAnswer>) {
  // The raw bytes, never a parsed body: they go to the merchant as they came (GBK stays GBK).
  const bytes = await readBody(req, MAX_NOTIFICATION_BYTES);
  const answer = await send({ headers: fromRaw(req.rawHeaders), bytes });
  res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Content-Length': answer.body.length });
  res.end(answer.body);
}

export function relayRoutes(relay: NotifyRelay): Router {
  const router = Router();
  router.post('/notify/to/:url', (req, res) => relayed(req, res, (incoming) => relay.byUrl(req.params.url as string, incoming)));
  router.post('/notify/:token', (req, res) => relayed(req, res, (incoming) => relay.byToken(req.params.token as string, incoming)));
  return router;
}
