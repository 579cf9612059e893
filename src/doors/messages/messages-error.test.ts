import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import { anthropicErrorType, messagesErrorBody } from './messages-error.js';

describe('anthropicErrorType', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [422, 'invalid_request_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [503, 'overloaded_error'],
    [529, 'overloaded_error'],
  ])('names status %i %s', (status, type) => {
    expect(anthropicErrorType(status)).toBe(type);
  });
});

describe('messagesErrorBody', () => {
  it('shapes a budget rejection as Anthropic does, with the request id when given', () => {
    const error = new GatewayError(429, 'Daily budget exhausted.', { type: 'budget_exceeded', code: 'budget_exceeded' });
    expect(messagesErrorBody(error, 'req_1')).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Daily budget exhausted.' },
      request_id: 'req_1',
    });
  });

  it('leaves request_id out when there is none', () => {
    expect(messagesErrorBody(new GatewayError(400, 'bad'))).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } });
  });
});
