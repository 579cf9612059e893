import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh directory holding `hooks.mjs` with `source`: a gateway's `baseDir` for `hooks: ['./hooks.mjs']`. */
export async function hooksDir(source: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-hooks-'));
  await writeFile(path.join(dir, 'hooks.mjs'), source);
  return dir;
}
