#!/usr/bin/env node
// The `familiar` command. TypeScript runs through tsx, so no build step is needed after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli/main.ts');
process.exitCode = await run(process.argv.slice(2));
