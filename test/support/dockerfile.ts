import { readFile } from 'node:fs/promises';

/** What the last stage of a Dockerfile runs, as docker would: the instructions a test needs to run the same thing. */
export interface ImageRuntime {
  workdir: string;
  env: Record<string, string>;
  user: string;
  volumes: string[];
  exposedPorts: string[];
  entrypoint: string[];
  cmd: string[];
  healthcheck: { options: string[]; command: string[] };
}

/**
 * Reads the final stage of a Dockerfile. Only the forms this project writes are
 * accepted (exec-form JSON for ENTRYPOINT, CMD and HEALTHCHECK, unquoted
 * `KEY=value` for ENV): anything else throws, so that the test never guesses.
 */
export async function readImageRuntime(file: string): Promise<ImageRuntime> {
  const instructions = logicalLines(await readFile(file, 'utf8'));
  const lastStage = instructions.map(([keyword]) => keyword).lastIndexOf('FROM');
  if (lastStage < 0) throw new Error(`${file} has no FROM`);
  const runtime: Partial<ImageRuntime> & { env: Record<string, string>; volumes: string[]; exposedPorts: string[] } = {
    env: {},
    volumes: [],
    exposedPorts: [],
  };
  for (const [keyword, argument] of instructions.slice(lastStage + 1)) {
    if (keyword === 'WORKDIR') runtime.workdir = argument;
    else if (keyword === 'USER') runtime.user = argument;
    else if (keyword === 'ENV') Object.assign(runtime.env, envPairs(argument));
    else if (keyword === 'VOLUME') runtime.volumes.push(...execForm(argument));
    else if (keyword === 'EXPOSE') runtime.exposedPorts.push(...argument.split(/\s+/));
    else if (keyword === 'ENTRYPOINT') runtime.entrypoint = execForm(argument);
    else if (keyword === 'CMD') runtime.cmd = execForm(argument);
    else if (keyword === 'HEALTHCHECK') runtime.healthcheck = healthcheckOf(argument);
  }
  const { workdir, user, entrypoint, cmd, healthcheck } = runtime;
  if (!workdir || !user || !entrypoint || !cmd || !healthcheck) throw new Error(`${file}: the last stage needs WORKDIR, USER, ENTRYPOINT, CMD and HEALTHCHECK`);
  return { ...runtime, workdir, user, entrypoint, cmd, healthcheck };
}

/** Instructions with their continuation lines joined and comments dropped: [KEYWORD, argument]. */
function logicalLines(text: string): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const space = whole.search(/\s/);
    lines.push([whole.slice(0, space).toUpperCase(), whole.slice(space + 1).trim()]);
  }
  return lines;
}

function execForm(argument: string): string[] {
  const parsed: unknown = JSON.parse(argument);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not an exec-form array: ${argument}`);
  return parsed;
}

function envPairs(argument: string): Record<string, string> {
  return Object.fromEntries(
    argument.split(/\s+/).map((pair) => {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
      if (!match) throw new Error(`ENV pairs must be unquoted KEY=value: ${pair}`);
      return [match[1], match[2]];
    }),
  );
}

function healthcheckOf(argument: string): ImageRuntime['healthcheck'] {
  const command = argument.indexOf('CMD ');
  if (command < 0) throw new Error(`HEALTHCHECK must run a CMD: ${argument}`);
  return { options: argument.slice(0, command).trim().split(/\s+/).filter(Boolean), command: execForm(argument.slice(command + 4).trim()) };
}
