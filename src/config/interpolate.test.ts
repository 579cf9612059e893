import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './interpolate.js';

describe('interpolateEnv', () => {
  const env = { KEY: 'sk-1', PORT: '9000', EMPTY: '', FLAG: 'true' };

  it('replaces ${VAR} anywhere in a string', () => {
    expect(interpolateEnv({ url: 'https://host/${KEY}/x' }, env)).toEqual({ url: 'https://host/sk-1/x' });
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(interpolateEnv(['${MISSING:-fallback}', '${EMPTY:-fallback}'], env)).toEqual(['fallback', 'fallback']);
  });

  it('reads an unset variable without a default as an empty string', () => {
    expect(interpolateEnv('${MISSING}', env)).toBe('');
  });

  it('types a value that is exactly one reference like YAML would', () => {
    expect(interpolateEnv({ port: '${PORT}', fallbackPort: '${NOPE:-8766}', on: '${FLAG}' }, env)).toEqual({ port: 9000, fallbackPort: 8766, on: true });
  });

  it('keeps text around a reference as text', () => {
    expect(interpolateEnv('port-${PORT}', env)).toBe('port-9000');
  });
});
