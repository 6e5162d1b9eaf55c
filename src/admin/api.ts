// The admin API under /__paymock/ (express): JSON endpoints that share the rule files' schema.
// Only loopback clients are served, unless --admin-token is set (then only token holders).
import express from 'express';
import type { AdminContext } from './context.js';
import { errorHandler } from './errors.js';
import { cassetteRoutes } from './routes-cassettes.js';
import { relayRoutes } from './routes-relay.js';
import { ruleRoutes } from './routes-rules.js';
import { stateRoutes } from './routes-state.js';
import { uiRoutes } from './routes-ui.js';
import { guard } from './security.js';

export function createAdminApp(context: AdminContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Before the guard: the real sandbox, not a loopback client, posts notifications to the relay.
  app.use('/__paymock', relayRoutes(context.relay));
  app.use(guard(context.adminToken));
  app.use(express.json({ limit: '1mb' }));
  const api = express.Router();
  api.use(stateRoutes(context), ruleRoutes(context), cassetteRoutes(context), uiRoutes(context));
  // Relative links in the dashboard need the trailing slash.
  app.get('/__paymock', (req, res, next) => {
    const [pathname, query] = req.originalUrl.split('?');
    if (pathname !== '/__paymock') return next();
    res.redirect(301, `/__paymock/${query ? `?${query}` : ''}`);
  });
  app.use('/__paymock', api);
  app.use((_req, res) => {
    res.status(404).json({ error: 'no such admin endpoint', code: 'NOT_FOUND' });
  });
  app.use(errorHandler);
  return app;
}
