import type { Attributes } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { AttemptRecord, RequestRecord } from '../request-record.js';
import type { TraceStart } from '../request-trace.js';
import { genAiAttribute, genAiProviderName, tokenpakAttribute } from './gen-ai-attributes.js';

/**
 * What the spans say, from what the gateway knows: names, numbers and ids only.
 * Never prompt or answer text, a user, a key or its hash, or an upstream's message.
 */

/** Span names are not cut by the SDK's attribute length limit, and the model is the client's text. */
const maxModelInSpanName = 256;

/** `{gen_ai.operation.name} {gen_ai.request.model}`, as the GenAI conventions name spans. */
export function genAiSpanName(operation: string, model: string): string {
  return `${operation} ${model.length > maxModelInSpanName ? model.slice(0, maxModelInSpanName) : model}`;
}

export function requestStartAttributes(request: TraceStart): Attributes {
  return {
    [genAiAttribute.operationName]: request.operation,
    [genAiAttribute.requestModel]: request.model,
    [genAiAttribute.requestStream]: request.stream,
    [tokenpakAttribute.api]: request.api,
    [tokenpakAttribute.requestId]: request.requestId,
  };
}

export function requestEndAttributes(record: RequestRecord): Attributes {
  const attributes: Attributes = { [ATTR_HTTP_RESPONSE_STATUS_CODE]: record.status };
  if (record.provider !== null) attributes[tokenpakAttribute.provider] = record.provider;
  if (record.provider_type !== null) attributes[genAiAttribute.providerName] = genAiProviderName(record.provider_type);
  if (record.model_served !== null) {
    attributes[genAiAttribute.responseModel] = record.model_served;
    attributes[genAiAttribute.inputTokens] = record.prompt_tokens;
    attributes[genAiAttribute.outputTokens] = record.completion_tokens;
    if (record.cached_read_tokens > 0) attributes[genAiAttribute.cacheReadInputTokens] = record.cached_read_tokens;
    if (record.cached_write_tokens > 0) attributes[genAiAttribute.cacheCreationInputTokens] = record.cached_write_tokens;
  }
  if (record.cache !== null) attributes[tokenpakAttribute.cache] = record.cache;
  if (record.cost_usd !== null) attributes[tokenpakAttribute.costUsd] = record.cost_usd;
  if (record.error_type !== null) attributes[ATTR_ERROR_TYPE] = record.error_type;
  return attributes;
}

/**
 * The HTTP conventions leave a server span's status unset for a 4xx: the
 * client's mistake (or a budget's refusal) is not the gateway failing.
 */
export function isServerSpanError(record: RequestRecord): boolean {
  return record.status >= 500;
}

export function attemptStartAttributes(provider: string, providerType: string, model: string): Attributes {
  return {
    [genAiAttribute.providerName]: genAiProviderName(providerType),
    [genAiAttribute.requestModel]: model,
    [tokenpakAttribute.provider]: provider,
  };
}

/** A skipped attempt (breaker open, provider forced down) sent nothing, so it did not fail. */
export function isAttemptError(attempt: AttemptRecord): boolean {
  return attempt.outcome !== 'ok' && attempt.outcome !== 'skipped';
}

export function attemptEndAttributes(attempt: AttemptRecord): Attributes {
  const attributes: Attributes = { [tokenpakAttribute.attemptOutcome]: attempt.outcome };
  if (attempt.upstream_status !== null) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = attempt.upstream_status;
  if (isAttemptError(attempt)) attributes[ATTR_ERROR_TYPE] = attempt.outcome;
  return attributes;
}
