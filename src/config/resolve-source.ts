import { access } from 'node:fs/promises';
import { embeddedDefaults } from './defaults.js';
import type { BuiltinTypes } from './references.js';
import { loadConfigFile, validateLiteralConfig, validatedInCode, type LoadedConfig } from './load.js';

export interface ConfigSource {
  /** `--config` on the command line or `configPath` in code. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  builtinTypes: BuiltinTypes;
}

/** `--config`, else `$TOKENPAK_CONFIG`, else `./proxy.yaml` if present, else the embedded defaults. */
export async function loadConfigFromSource(source: ConfigSource): Promise<LoadedConfig> {
  const env = source.env ?? process.env;
  const cwd = source.cwd ?? process.cwd();
  const file = source.configPath ?? (env.TOKENPAK_CONFIG || undefined) ?? (await existingDefaultFile(cwd));
  if (file) return loadConfigFile(file, { builtinTypes: source.builtinTypes, env });
  const config = validateLiteralConfig(embeddedDefaults(env), { builtinTypes: source.builtinTypes, env });
  return validatedInCode(config, cwd);
}

async function existingDefaultFile(cwd: string): Promise<string | undefined> {
  const candidate = 'proxy.yaml';
  try {
    await access(`${cwd}/${candidate}`);
    return `${cwd}/${candidate}`;
  } catch {
    return undefined;
  }
}
