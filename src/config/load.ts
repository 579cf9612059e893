import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatKeyPath, type ConfigProblem } from './config-error.js';
import { interpolateDocument, interpolateEnv, type UnsetVariable } from './interpolate.js';
import { findReferenceProblems, type BuiltinTypes } from './references.js';
import { configSchema, type GatewayConfig } from './schema.js';

export interface LoadedConfig {
  config: GatewayConfig;
  /** The file it came from, as the user named it; absent for embedded defaults and in-code configs. */
  file?: string;
  /** Where relative paths (adapters, hooks) are resolved from. */
  baseDir: string;
  /** The YAML line of a key path, for problems found after validation (e.g. a module that fails to load). */
  locateLine: (keyPath: string) => number | undefined;
}

const noLines = () => undefined;

export interface ValidateOptions {
  builtinTypes: BuiltinTypes;
  env?: NodeJS.ProcessEnv;
  file?: string;
  locateLine?: (segments: ReadonlyArray<PropertyKey>) => number | undefined;
}

export async function loadConfigFile(file: string, options: Omit<ValidateOptions, 'file' | 'locateLine'>): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError([{ path: '', message: `cannot read ${file}: ${reason}` }]);
  }
  const { config, locateLine } = parseConfigText(text, { ...options, file });
  return { config, file, baseDir: path.dirname(path.resolve(file)), locateLine: (keyPath) => locateLine(splitKeyPath(keyPath)) };
}

export function validatedInCode(config: GatewayConfig, baseDir: string): LoadedConfig {
  return { config, baseDir, locateLine: noLines };
}

export function parseConfigText(
  text: string,
  options: Omit<ValidateOptions, 'locateLine'>,
): { config: GatewayConfig; locateLine: (segments: ReadonlyArray<PropertyKey>) => number | undefined } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        path: '',
        message: `invalid YAML: ${error.message.split('\n')[0]}`,
        line: lineCounter.linePos(error.pos[0]).line,
      })),
      options.file,
    );
  }
  const locateLine = (segments: ReadonlyArray<PropertyKey>) => {
    const offset = findOffset(document, segments);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const unset = interpolateDocument(document, options.env ?? process.env);
  return { config: validateLiteralConfig(document.toJS() ?? {}, { ...options, locateLine }, unset), locateLine };
}

/** Validates an in-code config, after replacing its `${VAR}` references as a file's are. */
export function validateConfig(input: unknown, options: ValidateOptions): GatewayConfig {
  const { value, unset } = interpolateEnv(input, options.env ?? process.env);
  return validateLiteralConfig(value, options, unset);
}

/**
 * Validates a config whose references are already replaced (or that has none to
 * replace, like the embedded defaults, which read the environment themselves).
 * Every problem is reported at once; an unset variable is reported instead of
 * what its empty value then fails in the schema.
 */
export function validateLiteralConfig(input: unknown, options: ValidateOptions, unset: UnsetVariable[] = []): GatewayConfig {
  const unsetProblems = unset.map((variable) => describeUnset(variable, options.locateLine));
  const unsetPaths = new Set(unsetProblems.map((problem) => problem.path));
  const parsed = configSchema.safeParse(input);
  const problems: ConfigProblem[] = parsed.success
    ? findReferenceProblems(parsed.data, options.builtinTypes).map((problem) => ({
        ...problem,
        line: options.locateLine?.(splitKeyPath(problem.path)),
      }))
    : parsed.error.issues.flatMap((issue) => describeIssue(issue, options.locateLine)).filter((problem) => !unsetPaths.has(problem.path));
  if (unsetProblems.length > 0 || problems.length > 0 || !parsed.success) throw new ConfigError([...unsetProblems, ...problems], options.file);
  return parsed.data;
}

function describeUnset(variable: UnsetVariable, locateLine: ValidateOptions['locateLine']): ConfigProblem {
  const { name, path } = variable;
  return {
    path: formatKeyPath(path),
    message: `environment variable ${name} is not set; set it, or write \${${name}:-default} to give a default (\${${name}:-} for none)`,
    line: locateLine?.(path),
  };
}

function describeIssue(issue: z.core.$ZodIssue, locateLine: ValidateOptions['locateLine']): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const segments = [...issue.path, key];
      return { path: formatKeyPath(segments), message: 'unknown key', line: locateLine?.(segments) };
    });
  }
  return [{ path: formatKeyPath(issue.path), message: issue.message, line: locateLine?.(issue.path) }];
}

function splitKeyPath(keyPath: string): PropertyKey[] {
  const segments: PropertyKey[] = [];
  for (const part of keyPath.split('.')) {
    const [name, ...indexes] = part.split('[');
    if (name) segments.push(name);
    for (const index of indexes) segments.push(Number(index.replace(']', '')));
  }
  return segments;
}

/**
 * The offset of the deepest node on the path that exists: a key's own position
 * for map entries (so a nested block points at its key's line), an item's for
 * sequences. A missing key points at its parent, where it should be added.
 */
function findOffset(document: Document, segments: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = document.contents;
  let offset = (node as Node | null)?.range?.[0];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}
