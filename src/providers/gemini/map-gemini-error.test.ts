import { describe, expect, it } from 'vitest';
import { recordedJson } from '../../../test/fakes/recordings.js';
import { mapGeminiErrorBody } from './map-gemini-error.js';

describe('mapGeminiErrorBody', () => {
  it('reads the message, status and RetryInfo of the recorded RESOURCE_EXHAUSTED answer', () => {
    const body = JSON.stringify(recordedJson('google/google-429-retry-info'));
    expect(mapGeminiErrorBody(429, body)).toEqual({
      message: 'You exceeded your current quota, please check your plan.',
      type: 'rate_limit_error',
      code: 'RESOURCE_EXHAUSTED',
      retryAfter: '35',
    });
  });

  it('falls back to a generic message for a body that is not Gemini’s', () => {
    expect(mapGeminiErrorBody(502, '<html>bad gateway</html>')).toMatchObject({ message: 'Gemini answered HTTP 502', type: 'api_error' });
  });
});
