#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so nothing has to be built by hand.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
