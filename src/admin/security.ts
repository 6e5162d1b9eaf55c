// Who may use the admin API: loopback clients, or with --admin-token only holders of the token.
// The notify relay's endpoints are the one exception (mounted before this guard, routes-relay.ts).
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function guard(adminToken: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (adminToken) {
      // EventSource and a first page load cannot send headers: `?token=` is accepted too.
      const query = typeof req.query.token === 'string' ? req.query.token : undefined;
      const given = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? req.get('x-paymock-token') ?? query ?? '';
      if (sameToken(given, adminToken)) return next();
      res.status(401).json({ error: 'the admin API needs Authorization: Bearer <--admin-token>', code: 'UNAUTHORIZED' });
      return;
    }
    if (LOOPBACK.test(req.socket.remoteAddress ?? '')) return next();
    res.status(403).json({ error: 'the admin API only answers loopback clients (start paymock with --admin-token to open it)', code: 'FORBIDDEN' });
  };
}
