import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { genAiAttribute, genAiProviderName } from './gen-ai-attributes.js';

describe('GenAI attribute names', () => {
  it('are the ones of the installed semantic conventions', () => {
    expect(genAiAttribute).toEqual({
      operationName: ATTR_GEN_AI_OPERATION_NAME,
      providerName: ATTR_GEN_AI_PROVIDER_NAME,
      requestModel: ATTR_GEN_AI_REQUEST_MODEL,
      requestStream: ATTR_GEN_AI_REQUEST_STREAM,
      responseModel: ATTR_GEN_AI_RESPONSE_MODEL,
      inputTokens: ATTR_GEN_AI_USAGE_INPUT_TOKENS,
      outputTokens: ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
      cacheReadInputTokens: ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
      cacheCreationInputTokens: ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    });
  });

  it('name providers by the conventions, and other types by their own name', () => {
    expect(['openai', 'anthropic', 'gemini', 'ollama', 'openai-compatible'].map(genAiProviderName)).toEqual([
      GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
      GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
      GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      'ollama',
      'openai-compatible',
    ]);
  });
});
