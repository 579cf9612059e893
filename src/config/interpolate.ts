const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const wholeReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const numberLike = /^-?\d+(\.\d+)?$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree.
 * An unset variable without a default becomes "". A value that is exactly one
 * reference keeps YAML's typing for numbers and booleans, so `port: ${PORT:-8766}`
 * is a number as it would be if written literally.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return interpolateString(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateEnv(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env)]));
  }
  return value;
}

function interpolateString(text: string, env: NodeJS.ProcessEnv): unknown {
  if (!text.includes('${')) return text;
  const replaced = text.replace(reference, (_match, name: string, fallback: string | undefined) => {
    const set = env[name];
    return set !== undefined && set !== '' ? set : (fallback ?? '');
  });
  if (!wholeReference.test(text)) return replaced;
  if (numberLike.test(replaced)) return Number(replaced);
  if (replaced === 'true' || replaced === 'false') return replaced === 'true';
  return replaced;
}
