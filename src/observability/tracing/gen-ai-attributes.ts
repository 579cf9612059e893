/**
 * Attribute names of the OpenTelemetry GenAI semantic conventions. They are
 * still in development, so they are copied here rather than imported from
 * `@opentelemetry/semantic-conventions/incubating`, as that package advises;
 * gen-ai-attributes.test.ts checks them against it.
 */
export const genAiAttribute = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
} as const;

/** The gateway's own attributes, beside the conventional ones. */
export const tokenpakAttribute = {
  api: 'tokenpak.api',
  requestId: 'tokenpak.request_id',
  provider: 'tokenpak.provider',
  cache: 'tokenpak.cache',
  costUsd: 'tokenpak.cost_usd',
  attemptOutcome: 'tokenpak.attempt.outcome',
} as const;

/** Provider types whose `gen_ai.provider.name` differs from the type; the others are named by their type. */
const conventionalProviderNames: ReadonlyMap<string, string> = new Map([['gemini', 'gcp.gemini']]);

export function genAiProviderName(providerType: string): string {
  return conventionalProviderNames.get(providerType) ?? providerType;
}
