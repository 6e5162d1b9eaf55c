// Rules at runtime: list, create, update, delete, enable/disable, and persist to rules/.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import { PaymockError } from '../core/errors.js';
import { parseRules, type Rule } from '../rules/schema.js';
import type { AdminContext } from './context.js';

/** Where rules added through the API are written when asked; hot reload then owns them. */
export const ADMIN_RULES_FILE = 'paymock-admin-rules.json';

function oneRule(body: unknown): Rule {
  const rules = parseRules(body, 'admin API rule');
  if (rules.length !== 1) throw new PaymockError('BAD_REQUEST', `expected one rule object, got ${rules.length}`);
  return rules[0]!;
}

function notFound(id: string): PaymockError {
  return new PaymockError('NOT_FOUND', `no rule "${id}"`);
}

export function ruleRoutes(context: AdminContext): Router {
  const router = Router();
  const { rules } = context;
  router.get('/rules', (_req, res) => {
    res.json({ rules: rules.states() });
  });
  router.post('/rules', (req, res) => {
    const rule = oneRule(req.body);
    if (rules.has(rule.id)) throw new PaymockError('CONFLICT', `rule "${rule.id}" exists: PUT /__paymock/rules/${rule.id} to change it`);
    rules.upsert(rule);
    res.status(201).json({ rule });
  });
  router.put('/rules/:id', (req, res) => {
    const rule = oneRule({ ...(req.body as object), id: req.params.id });
    if (!rules.upsert(rule)) throw new PaymockError('CONFLICT', `rule "${rule.id}" is defined in a file in ${context.rulesDir}: edit the file`);
    res.json({ rule });
  });
  router.delete('/rules/:id', (req, res) => {
    if (!rules.has(req.params.id)) throw notFound(req.params.id);
    if (!rules.remove(req.params.id)) throw new PaymockError('CONFLICT', `rule "${req.params.id}" is defined in a file in ${context.rulesDir}: edit the file`);
    res.status(204).end();
  });
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    router.post(`/rules/:id/${verb}`, (req, res) => {
      if (!rules.setEnabled(req.params.id, enabled)) throw notFound(req.params.id);
      res.json({ id: req.params.id, enabled });
    });
  }
  router.post('/rules/persist', async (_req, res) => {
    const file = path.join(context.rulesDir, ADMIN_RULES_FILE);
    await mkdir(context.rulesDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(rules.adminRules(), null, 2)}\n`);
    res.json({ file, rules: rules.adminRules().length });
  });
  return router;
}
