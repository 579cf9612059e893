export interface ConfigProblem {
  /** Key path as a user reads it, e.g. `routing.strategies[1].provider`. */
  path: string;
  message: string;
  /** 1-based line in the YAML file, when the config came from one. */
  line?: number;
}

export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    readonly file?: string,
  ) {
    super(problems.map((problem) => formatProblem(problem, file)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(problem: ConfigProblem, file?: string): string {
  const where = file && problem.line ? ` (${file}:${problem.line})` : '';
  const path = problem.path === '' ? '(root)' : problem.path;
  return `${path}: ${problem.message}${where}`;
}

export function formatKeyPath(segments: ReadonlyArray<PropertyKey>): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path;
}
