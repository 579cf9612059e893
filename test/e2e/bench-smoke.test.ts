import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm run bench -- --quick', () => {
  it('runs the whole harness against every target and prints its tables', async () => {
    const child = spawn(process.execPath, [path.join(root, 'bench/run.mjs'), '--quick'], { cwd: root, env: { PATH: process.env.PATH } });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    const [code] = await once(child, 'exit');
    expect(code, output).toBe(0);
    for (const heading of ['## Latency at fixed rates', '## Time to first byte at 100 streams/s', '## Maximum throughput', '## 20 concurrent streams']) expect(output).toContain(heading);
    for (const target of ['direct', 'floor proxy', 'tokenpak', 'tokenpak (cache hits)', 'portkey']) expect(output).toContain(`| ${target} | 200 |`);
    // PostgreSQL is installed wherever the tests run (.ci/run): the ledger comparison is there, with the database's own CPU.
    expect(output).toContain('## Ledger backends');
    expect(output).toMatch(/\| PostgreSQL \(local server\) \| \d+ \| \d+ \| \d+ \|/);
  }, 120_000);
});
