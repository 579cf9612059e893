import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const cli = path.resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they interleaved. */
  output: string;
}

/** The built `tokenpak` CLI run to its exit, with only PATH from this environment. */
export async function runCli(args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH } });
  const run = { stdout: '', stderr: '', output: '' };
  child.stdout.on('data', (data) => {
    run.stdout += data;
    run.output += data;
  });
  child.stderr.on('data', (data) => {
    run.stderr += data;
    run.output += data;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, ...run };
}
