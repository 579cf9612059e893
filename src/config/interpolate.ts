import { isPair, isScalar, isSeq, Scalar, visit, type Document } from 'yaml';

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const wholeReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const numberLike = /^-?\d+(\.\d+)?$/;

/** A `${VAR}` without a default whose variable is unset or empty, and the key path of the value it is in. */
export interface UnsetVariable {
  name: string;
  path: PropertyKey[];
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value of an in-code
 * config tree. Keys are left alone. A value that is exactly one reference keeps
 * YAML's typing for numbers and booleans, so `port: '${PORT:-8766}'` is a number.
 * A variable that is unset (or empty) and has no default reads as "" and is
 * named in `unset`, so that the caller can refuse the config.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv): { value: unknown; unset: UnsetVariable[] } {
  const unset: UnsetVariable[] = [];
  return { value: interpolateValue(value, env, [], unset), unset };
}

/**
 * The same replacement in the values of a parsed YAML document, in place, so
 * that how a value was written decides its type: a plain (unquoted) value that
 * is exactly one reference is typed as YAML would type the text written there;
 * a quoted or block value stays a string (`org: "${ORG}"` with ORG=12345 is "12345").
 */
export function interpolateDocument(document: Document, env: NodeJS.ProcessEnv): UnsetVariable[] {
  const unset: UnsetVariable[] = [];
  visit(document, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const source = node.value;
      const substituted = substitute(source, env);
      if (substituted.unset.length > 0) {
        const path = keyPathOf(ancestors, node);
        for (const name of substituted.unset) unset.push({ name, path });
      }
      node.value = node.type === Scalar.PLAIN ? typedLikeYaml(source, substituted.text) : substituted.text;
    },
  });
  return unset;
}

function interpolateValue(value: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[], unset: UnsetVariable[]): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const substituted = substitute(value, env);
    for (const name of substituted.unset) unset.push({ name, path });
    return typedLikeYaml(value, substituted.text);
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateValue(item, env, [...path, index], unset));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateValue(item, env, [...path, key], unset)]));
  }
  return value;
}

function substitute(text: string, env: NodeJS.ProcessEnv): { text: string; unset: string[] } {
  const unset: string[] = [];
  const replaced = text.replace(reference, (_match, name: string, fallback: string | undefined) => {
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback === undefined) unset.push(name);
    return fallback ?? '';
  });
  return { text: replaced, unset };
}

function typedLikeYaml(source: string, replaced: string): unknown {
  if (!wholeReference.test(source)) return replaced;
  if (numberLike.test(replaced)) return Number(replaced);
  if (replaced === 'true' || replaced === 'false') return replaced === 'true';
  return replaced;
}

/** The key path of a node from the ancestors `visit` reports: a pair contributes its key, a sequence the item's index. */
function keyPathOf(ancestors: readonly unknown[], node: unknown): PropertyKey[] {
  const path: PropertyKey[] = [];
  ancestors.forEach((ancestor, index) => {
    const child = ancestors[index + 1] ?? node;
    if (isPair(ancestor)) path.push(isScalar(ancestor.key) ? String(ancestor.key.value) : String(ancestor.key));
    else if (isSeq(ancestor)) path.push(ancestor.items.indexOf(child as never));
  });
  return path;
}
