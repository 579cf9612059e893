// A throwaway PostgreSQL cluster for the tests and the bench: Debian's server binaries, a data directory in a
// temp folder, a free port on 127.0.0.1, trust authentication for the one role it creates. initdb refuses to run
// as root, so as root the cluster belongs to the `postgres` user the Debian package creates (else `nobody`).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const role = 'tokenpak';

/** The newest server version Debian installed, else whatever `initdb` is on the PATH. */
export function postgresBinDir() {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((name) => /^\d+$/.test(name)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(`${dir}/initdb`)) return dir;
  }
  try {
    return path.dirname(execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
}

export async function startPostgres() {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL's server is not installed: apt-get install -y postgresql");
  const owner = clusterOwner();
  const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-postgres-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const dataDir = path.join(dir, 'data');
  await run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', role, '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'], owner);
  const port = await freePort();
  const url = `postgres://${role}@127.0.0.1:${port}/postgres`;
  let child = await launch(bin, dataDir, dir, port, owner);
  let databases = 0;
  const stopWith = async (signal) => {
    if (!child) return;
    const exited = child.exitCode === null && child.signalCode === null ? once(child, 'exit') : Promise.resolve();
    child.kill(signal);
    await exited;
    child = undefined;
  };
  return {
    url,
    port,
    /** The postmaster's pid (its backends are its children); undefined while stopped. */
    get pid() {
      return child?.pid;
    },
    /** A new, empty database on this server; its URL. */
    async createDatabase(prefix = 'ledger') {
      const name = `${prefix}_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${role}@127.0.0.1:${port}/${name}`;
    },
    /** A fast shutdown (SIGINT): clients are disconnected, committed data is kept. */
    stop: () => stopWith('SIGINT'),
    /** SIGKILL to the postmaster: a crash; the next start recovers from the WAL. */
    kill: () => stopWith('SIGKILL'),
    /** Starts the same cluster again on the same port. */
    async start() {
      if (!child) child = await launch(bin, dataDir, dir, port, owner);
    },
    async destroy() {
      await stopWith('SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(bin, dataDir, socketDir, port, owner) {
  const args = ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'];
  const child = spawn(path.join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) });
  let output = '';
  child.stderr.on('data', (data) => (output = (output + data).slice(-4000)));
  const failed = new Promise((_resolve, reject) => {
    child.once('error', (error) => reject(new Error(`postgres could not start: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`postgres exited with ${code} before it answered:\n${output}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([answers(port), failed]);
  return child;
}

async function answers(port) {
  for (let attempt = 0; attempt < 400; attempt++) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: role, database: 'postgres' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`postgres on port ${port} did not answer`);
}

function clusterOwner() {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
      return { uid, gid };
    } catch {
      // No such user here.
    }
  }
  throw new Error('initdb refuses to run as root, and neither a postgres nor a nobody user exists to run it');
}

function run(command, args, owner) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}) });
    let output = '';
    child.stderr.on('data', (data) => (output += data));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`${path.basename(command)} exited with ${code}:\n${output}`))));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
