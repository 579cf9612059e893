/** The error body OpenAI answers a chat request it refuses with (400). */
export interface OpenAIRequestError {
  message: string;
  type: 'invalid_request_error';
  param: string;
  code: string;
}

/**
 * OpenAI's reasoning models as the real API knows them: it refuses `max_tokens`
 * and the sampling parameters (temperature and top_p except at 1, penalties
 * except at 0, logprobs, top_logprobs, logit_bias). Hard-coded here, apart
 * from the gateway's own table, because the fake stands in for the real API.
 */
const reasoningModels = new Set([
  'o1', 'o1-mini', 'o1-pro', 'o3-mini', 'o3', 'o3-pro', 'o4-mini', 'codex-mini-latest',
  'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-pro', 'gpt-5-codex', 'gpt-5.1-codex', 'gpt-5.2-codex', 'gpt-5.2-pro',
]);
/** Those of them that refuse `stop` too (o3, o4-mini, the gpt-5 family). */
const stoplessModels = new Set([
  'o3', 'o3-pro', 'o4-mini', 'codex-mini-latest',
  'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-pro', 'gpt-5-codex', 'gpt-5.1-codex', 'gpt-5.2-codex', 'gpt-5.2-pro',
]);
/** gpt-5.1 and later take the sampling parameters at `reasoning_effort: "none"` (their default), never `max_tokens`, `stop` or `logit_bias`. */
const effortNoneModels = new Set(['gpt-5.1', 'gpt-5.2']);

/** OpenAI's dated snapshots (`o3-2025-04-16`) are their model under its own rules. */
const datedSnapshot = /-\d{4}-\d{2}-\d{2}$/;

const refused = (param: string, code: string, message: string): OpenAIRequestError => ({ message, type: 'invalid_request_error', param, code });
const unsupportedParameter = (param: string, hint = ''): OpenAIRequestError =>
  refused(param, 'unsupported_parameter', `Unsupported parameter: '${param}' is not supported with this model.${hint}`);

/** What the real API answers a chat request whose parameters its model refuses; nothing for one it takes. */
export function refusedReasoningParameter(body: Record<string, any>): OpenAIRequestError | undefined {
  const model = String(body.model).replace(datedSnapshot, '');
  if (!reasoningModels.has(model) && !effortNoneModels.has(model)) return undefined;
  const refusesSampling = reasoningModels.has(model) || (body.reasoning_effort ?? 'none') !== 'none';
  const sent = (name: string) => body[name] !== undefined && body[name] !== null;
  if (body.max_tokens === null) {
    return refused('max_tokens', 'invalid_type', "Invalid type for 'max_tokens': expected an unsupported value, but got null instead.");
  }
  if (sent('max_tokens')) return unsupportedParameter('max_tokens', " Use 'max_completion_tokens' instead.");
  if (refusesSampling) {
    if (sent('temperature') && body.temperature !== 1) {
      return refused('temperature', 'unsupported_value', `Unsupported value: 'temperature' does not support ${body.temperature} with this model. Only the default (1) value is supported.`);
    }
    if (sent('top_p') && body.top_p !== 1) return unsupportedParameter('top_p');
    for (const penalty of ['presence_penalty', 'frequency_penalty']) if (sent(penalty) && body[penalty] !== 0) return unsupportedParameter(penalty);
    if (body.logprobs === true) return unsupportedParameter('logprobs');
    if (sent('top_logprobs')) return unsupportedParameter('top_logprobs');
  }
  if (sent('logit_bias')) return unsupportedParameter('logit_bias');
  if (sent('stop') && (stoplessModels.has(model) || effortNoneModels.has(model))) return unsupportedParameter('stop');
  return undefined;
}
