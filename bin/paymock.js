#!/usr/bin/env node
// The published entry point: paymock ships its TypeScript sources and runs them through tsx,
// so there is no build step between a fresh clone and a running proxy.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
