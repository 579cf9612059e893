import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AgentClientBinaries {
  claude: string;
  codex: string;
}

export interface AgentRun {
  /** null when the run was killed (e.g. by the time limit). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const installScript = fileURLToPath(new URL('./install-agent-clients.mjs', import.meta.url));
/** Long enough for a cold npm install of both CLIs; a warm cache answers at once. */
export const agentInstallTimeoutMs = 10 * 60_000;
/** What agent-clients.md allows one CLI run, tool round trips included. */
const agentRunTimeoutMs = 60_000;
/** Both CLIs use this key; the gateway holds the providers' own keys. */
export const agentClientKey = 'sk-agent-client-key';

let installed: Promise<AgentClientBinaries> | undefined;

/** The Claude Code and Codex binaries, installed into the cache outside the clone first when missing (see install-agent-clients.mjs). */
export function agentClients(): Promise<AgentClientBinaries> {
  installed ??= new Promise((resolve, reject) => {
    execFile(process.execPath, [installScript], { timeout: agentInstallTimeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`Installing the agent CLIs failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as AgentClientBinaries);
    });
  });
  return installed;
}

function runAgent(binary: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<AgentRun> {
  return new Promise((resolve) => {
    // A minimal environment: nothing from the host (proxies, real keys, a real HOME) may change where the CLI connects.
    const env = { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, ...options.env };
    const child = execFile(binary, args, { cwd: options.cwd, env, timeout: agentRunTimeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (_error, stdout, stderr) => {
      resolve({ exitCode: child.exitCode, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** A throwaway directory for one run: an empty working directory and a home of its own. */
async function withScratchDirs<T>(use: (dirs: { home: string; work: string }) => Promise<T>): Promise<T> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tokenpak-agent-'));
  const dirs = { home: path.join(root, 'home'), work: path.join(root, 'work') };
  await Promise.all([mkdir(dirs.home), mkdir(dirs.work)]);
  try {
    return await use(dirs);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** `claude -p <prompt> --output-format json` against `baseUrl` (the server root, no /v1), offline as agent-clients.md says. */
export function runClaudeCode(binary: string, baseUrl: string, prompt: string, extraArgs: string[] = []): Promise<AgentRun> {
  return withScratchDirs(({ home, work }) =>
    runAgent(binary, ['-p', prompt, '--output-format', 'json', ...extraArgs], {
      cwd: work,
      env: {
        HOME: home,
        ANTHROPIC_BASE_URL: baseUrl,
        ANTHROPIC_API_KEY: agentClientKey,
        DISABLE_TELEMETRY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    }),
  );
}

/** The custom provider Codex needs (it ignores OPENAI_BASE_URL), with the analytics and plugins that reach the internet turned off. */
function codexConfig(baseUrl: string): string {
  return [
    'model = "gpt-5"',
    'model_provider = "local"',
    '',
    '[model_providers.local]',
    'name = "local"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    'env_key = "OPENAI_API_KEY"',
    'wire_api = "responses"',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    '',
  ].join('\n');
}

/** `codex exec --skip-git-repo-check <prompt>` against `baseUrl` (ending in /v1), offline as agent-clients.md says. */
export function runCodex(binary: string, baseUrl: string, prompt: string): Promise<AgentRun> {
  return withScratchDirs(async ({ home, work }) => {
    await writeFile(path.join(home, 'config.toml'), codexConfig(baseUrl));
    return runAgent(binary, ['exec', '--skip-git-repo-check', prompt], {
      cwd: work,
      env: { HOME: home, CODEX_HOME: home, OPENAI_API_KEY: agentClientKey },
    });
  });
}
