#!/usr/bin/env node
// Installs the agent CLIs that the end-to-end tests drive (Claude Code, Codex) into a cache outside the
// clone, once per pair of versions, and prints their binary paths as JSON on stdout. They are hundreds of
// MB of native binaries, so they are never dependencies of the package. .ci/run runs this before the tests
// (so that a failed install fails CI loudly); test/support/agent-clients.ts runs it from every test file
// that needs the CLIs, and a lock makes concurrent runs wait for one install instead of racing.
import { spawn } from 'node:child_process';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const packages = { '@anthropic-ai/claude-code': '2.1.332', '@openai/codex': '0.171.0' };
const versionTag = `claude-code-${packages['@anthropic-ai/claude-code']}_codex-${packages['@openai/codex']}`;
const cacheRoot = process.env.TOKENPAK_AGENT_CLIENTS_DIR || path.join(os.homedir(), '.cache', 'tokenpak', 'agent-clients');
const installDir = path.join(cacheRoot, versionTag);
const stagingDir = `${installDir}.staging`;
const lockDir = `${installDir}.lock`;
const binaries = {
  claude: path.join(installDir, 'node_modules', '.bin', 'claude'),
  codex: path.join(installDir, 'node_modules', '.bin', 'codex'),
};
/** An install took 16 s on a developer machine; a slow registry gets far more before a waiter gives up. */
const lockWaitMs = 15 * 60_000;

async function isInstalled() {
  try {
    await Promise.all(Object.values(binaries).map((binary) => access(binary)));
    return true;
  } catch {
    return false;
  }
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    // stdout carries this script's answer, so the children's output goes to stderr.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
    let stdout = '';
    child.stdout.on('data', (data) => {
      stdout += data;
      process.stderr.write(data);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited with ${signal ?? code}`))));
  });
}

/** Installs into a staging directory and renames it into place, so that a crashed install never looks finished. */
async function install() {
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });
  const specs = Object.entries(packages).map(([name, version]) => `${name}@${version}`);
  process.stderr.write(`Installing ${specs.join(' and ')} into ${installDir} (for the agent CLI tests only)\n`);
  await run('npm', ['install', '--prefix', stagingDir, '--no-audit', '--no-fund', ...specs]);
  const versionHome = path.join(stagingDir, 'version-check-home');
  await mkdir(versionHome);
  for (const [name, version] of [['claude', packages['@anthropic-ai/claude-code']], ['codex', packages['@openai/codex']]]) {
    const binary = path.join(stagingDir, 'node_modules', '.bin', name);
    const printed = await run(binary, ['--version'], { env: { PATH: process.env.PATH, HOME: versionHome, CODEX_HOME: versionHome } });
    if (!printed.includes(version)) throw new Error(`${binary} --version printed "${printed.trim()}", expected ${version}`);
  }
  await rm(versionHome, { recursive: true, force: true });
  await rename(stagingDir, installDir);
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function acquireLock() {
  const deadline = Date.now() + lockWaitMs;
  await mkdir(cacheRoot, { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
    // A lock whose owner died mid-install would block every later run; a lock without a pid yet is being taken.
    if (Number.isInteger(owner) && !isRunning(owner)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${lockDir} (held by process ${owner}); remove it if no install is running.`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

if (!(await isInstalled())) {
  await acquireLock();
  try {
    if (!(await isInstalled())) await install();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
process.stdout.write(`${JSON.stringify(binaries)}\n`);
