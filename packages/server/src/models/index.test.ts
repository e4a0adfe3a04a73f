import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HOOK = `data:text/javascript,${encodeURIComponent(
  'export async function resolve(specifier, context, next) {' +
    ' if (specifier.startsWith("node-llama-cpp")) process.stderr.write("LOADED node-llama-cpp\\n");' +
    ' return next(specifier, context); }',
)}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(HOOK)});`,
)}`;

describe('models/index.ts', () => {
  it('does not load node-llama-cpp until a llama-cpp model is built', () => {
    const door = fileURLToPath(new URL('./index.ts', import.meta.url));
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        REGISTER,
        '--input-type=module',
        '-e',
        `const models = await import(${JSON.stringify(door)}); console.log(typeof models.createModelRunner);`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('function');
    expect(result.stderr).not.toContain('LOADED node-llama-cpp');
  });
});
