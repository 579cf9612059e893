import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { interpolateDocument, interpolateEnv } from './interpolate.js';

describe('interpolateEnv', () => {
  const env = { KEY: 'sk-1', PORT: '9000', EMPTY: '', FLAG: 'true' };
  const valueOf = (input: unknown) => interpolateEnv(input, env).value;

  it('replaces ${VAR} anywhere in a string', () => {
    expect(valueOf({ url: 'https://host/${KEY}/x' })).toEqual({ url: 'https://host/sk-1/x' });
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(valueOf(['${MISSING:-fallback}', '${EMPTY:-fallback}'])).toEqual(['fallback', 'fallback']);
  });

  it('reads an empty default as an empty string, with nothing unset', () => {
    expect(interpolateEnv({ key: '${MISSING:-}' }, env)).toEqual({ value: { key: '' }, unset: [] });
  });

  it('names each unset or empty variable without a default, with the key path of its value', () => {
    const { unset } = interpolateEnv({ providers: { groq: { api_key: '${GROQ_API_KEY}' } }, hooks: ['${EMPTY}/x.mjs'] }, env);
    expect(unset).toEqual([
      { name: 'GROQ_API_KEY', path: ['providers', 'groq', 'api_key'] },
      { name: 'EMPTY', path: ['hooks', 0] },
    ]);
  });

  it('types a value that is exactly one reference like YAML would', () => {
    expect(valueOf({ port: '${PORT}', fallbackPort: '${NOPE:-8766}', on: '${FLAG}' })).toEqual({ port: 9000, fallbackPort: 8766, on: true });
  });

  it('keeps text around a reference as text', () => {
    expect(valueOf('port-${PORT}')).toBe('port-9000');
  });
});

describe('interpolateDocument', () => {
  const env = { ORG: '12345', PORT: '9000', FLAG: 'false' };
  const interpolated = (yaml: string) => {
    const document = parseDocument(yaml);
    const unset = interpolateDocument(document, env);
    return { value: document.toJS() as unknown, unset };
  };

  it('keeps a quoted reference a string, whatever its value looks like', () => {
    expect(interpolated('org: "${ORG}"\nsingle: \'${PORT}\'\n').value).toEqual({ org: '12345', single: '9000' });
  });

  it('types an unquoted reference as YAML would type its value', () => {
    expect(interpolated('port: ${PORT}\non: ${FLAG}\n').value).toEqual({ port: 9000, on: false });
  });

  it('names an unset variable with the key path of its value, through maps and sequences', () => {
    expect(interpolated('providers:\n  groq:\n    api_key: ${GROQ_API_KEY}\nhooks:\n  - ok.mjs\n  - "${HOOK}"\n').unset).toEqual([
      { name: 'GROQ_API_KEY', path: ['providers', 'groq', 'api_key'] },
      { name: 'HOOK', path: ['hooks', 1] },
    ]);
  });

  it('leaves keys alone', () => {
    expect(interpolated('${ORG}: x\n').value).toEqual({ '${ORG}': 'x' });
  });
});
