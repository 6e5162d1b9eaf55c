// The admin API under /__paymock/ (express). Only loopback clients are served: the journal,
// rules and dashboard build on this app.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Mode } from '../config.js';

export interface AdminState {
  readonly mode: Mode;
  readonly version: string;
  readonly startedAt: string;
  readonly counts: () => Record<string, number>;
  readonly cassette: () => { name: string; loaded: number; recorded: number } | undefined;
  readonly tls: () => { caFile: string | null; intercept: readonly string[] };
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  if (LOOPBACK.test(req.socket.remoteAddress ?? '')) return next();
  res.status(403).json({ error: 'the admin API only answers loopback clients' });
}

export function createAdminApp(state: AdminState): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(loopbackOnly);
  const api = express.Router();
  api.get('/health', (_req, res) => {
    res.json({
      status: 'ok',
      mode: state.mode,
      version: state.version,
      startedAt: state.startedAt,
      counts: state.counts(),
      cassette: state.cassette() ?? null,
      tls: state.tls(),
    });
  });
  app.use('/__paymock', api);
  app.use((_req, res) => {
    res.status(404).json({ error: 'no such admin endpoint' });
  });
  return app;
}
