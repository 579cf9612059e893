/**
 * Gemini takes function parameters and response schemas in a subset of OpenAPI
 * 3.0 and rejects the whole request for a key outside it. This turns a JSON
 * Schema into that subset: `$ref`s inlined from `$defs`/`definitions`, `const`
 * as a one-value `enum`, `type: [X, "null"]` as `nullable`, and every key
 * Gemini does not know dropped.
 */
const supportedKeys = new Set([
  'type',
  'format',
  'description',
  'nullable',
  'enum',
  'properties',
  'required',
  'items',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'anyOf',
  'propertyOrdering',
  'title',
]);

/** A `$ref` cycle can never be inlined; past this depth the schema is cut to a plain object. */
const maxDepth = 32;

type Schema = Record<string, unknown>;

export function sanitizeJsonSchema(schema: Schema): Schema {
  const definitions = { ...(schema.definitions as Schema | undefined), ...(schema.$defs as Schema | undefined) };
  return sanitize(schema, definitions, 0);
}

function sanitize(schema: Schema, definitions: Schema, depth: number): Schema {
  if (depth > maxDepth) return { type: 'object' };
  const resolved = resolveRef(schema, definitions);
  const out: Schema = {};
  for (const [key, value] of Object.entries(resolved)) {
    if (key === 'const') out.enum = [value];
    else if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((type) => type !== 'null');
      if (types.length !== value.length) out.nullable = true;
      out.type = types[0] ?? 'string';
    } else if (!supportedKeys.has(key)) continue;
    else if (key === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, sanitizeChild(child, definitions, depth)]));
    } else if (key === 'items' && isSchema(value)) out.items = sanitize(value, definitions, depth + 1);
    else if (key === 'anyOf' && Array.isArray(value)) out.anyOf = value.map((child) => sanitizeChild(child, definitions, depth));
    else out[key] = value;
  }
  if (Array.isArray(out.enum)) out.enum = out.enum.map(String);
  return out;
}

function sanitizeChild(child: unknown, definitions: Schema, depth: number): Schema {
  return isSchema(child) ? sanitize(child, definitions, depth + 1) : {};
}

function resolveRef(schema: Schema, definitions: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  const target = definitions[name];
  const { $ref: _ref, ...siblings } = schema;
  return isSchema(target) ? { ...target, ...siblings } : siblings;
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
