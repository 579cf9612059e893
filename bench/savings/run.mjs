// npm run bench:savings: replays the corpus through TokenPak (dist/) to the billing fakes in every mode and
// writes bench/savings/results.md.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createGateway, startHttpServer } from '../../dist/index.js';
import { benchModes, loadCorpus, runSavingsBench } from './replay.mjs';
import { resultsMarkdown } from './results-markdown.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** TokenPak in this process, on a free loopback port, with the response cache off (every turn must reach the fake). */
async function startGateway(config) {
  const gateway = await createGateway({ config: { usage: { db_path: ':memory:' }, cache: { enabled: false }, ...config }, env: {}, logger: pino({ level: 'silent' }) });
  const server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
  return {
    baseURL: `${server.url}/v1`,
    async close() {
      await server.close();
      await gateway.close();
    },
  };
}

const started = Date.now();
const conversations = await loadCorpus();
const results = await runSavingsBench({ conversations, modes: benchModes, startGateway });
const markdown = resultsMarkdown({ conversations, results, date: new Date().toISOString().slice(0, 10) });
await writeFile(path.join(here, 'results.md'), markdown);
console.log(markdown);
console.log(`bench/savings/results.md written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
