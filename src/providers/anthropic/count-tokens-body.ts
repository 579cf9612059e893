/**
 * What a Messages request says only about generating, which Anthropic's
 * count_tokens refuses ("Extra inputs are not permitted"); everything else (the
 * prompt, tools, thinking, context management, newer prompt fields) is counted.
 */
const generationOnly = ['max_tokens', 'stream', 'metadata', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'service_tier', 'container'];

/** A Messages body (or a count_tokens one) as count_tokens takes it, for `model`. */
export function countTokensBody(body: Readonly<Record<string, unknown>>, model: string): Record<string, unknown> {
  const countable: Record<string, unknown> = { ...body, model };
  for (const key of generationOnly) delete countable[key];
  return countable;
}
