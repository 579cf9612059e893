// Bundles the dashboard (src/dashboard) into dist/dashboard: one hashed script, one hashed
// stylesheet, index.html naming them, and manifest.json listing every file the gateway may serve.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'src/dashboard/main.tsx');
export const defaultOutDir = path.join(root, 'dist/dashboard');

/** Builds into `outDir` (emptied first) and returns the names of the files written. */
export async function buildDashboard(outDir = defaultOutDir) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: entry },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    outdir: outDir,
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const written = Object.keys(result.metafile.outputs).map((output) => path.basename(output));
  const script = written.find((name) => name.endsWith('.js'));
  const stylesheet = written.find((name) => name.endsWith('.css'));
  if (!script || !stylesheet) throw new Error(`the dashboard build wrote no script or stylesheet: ${written.join(', ')}`);
  await writeFile(path.join(outDir, 'index.html'), indexHtml(script, stylesheet));
  const files = [...written, 'index.html'];
  await writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify({ files }, null, 2)}\n`);
  return files;
}

function indexHtml(script, stylesheet) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>TokenPak dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/${stylesheet}">
<script type="module" src="/dashboard/${script}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = await buildDashboard();
  console.log(`dashboard: ${files.join(', ')} -> ${path.relative(root, defaultOutDir)}`);
}
