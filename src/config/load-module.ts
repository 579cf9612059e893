import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports a module named in proxy.yaml: a path relative to the config file, an
 * absolute path, or a package name.
 */
export async function importConfiguredModule(specifier: string, baseDir: string): Promise<Record<string, unknown>> {
  const isPath = specifier.startsWith('.') || path.isAbsolute(specifier);
  const target = isPath ? pathToFileURL(path.resolve(baseDir, specifier)).href : specifier;
  return (await import(target)) as Record<string, unknown>;
}

export function describeImportFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_MODULE_NOT_FOUND') return 'module not found';
  return error instanceof Error ? error.message.split('\n')[0] ?? 'failed to load' : String(error);
}
