// Request and response hooks for TokenPak, described in docs/adapters.md#hooks.
import { GatewayError } from 'tokenpak';

const maxPromptTokens = Number(process.env.MAX_PROMPT_TOKENS ?? 8000);

// Runs before the upstream call, after routing: ctx.provider is known, and
// ctx.countPromptTokens() asks the chosen provider for the prompt's tokens
// (once per request; ctx.estimatedPromptTokens is a free local estimate).
// Return a new request to replace it.
export async function onRequest(request, ctx) {
  if (ctx.operation !== 'chat') return;
  const promptTokens = await ctx.countPromptTokens();
  if (promptTokens > maxPromptTokens) {
    throw new GatewayError(400, `This prompt is ${promptTokens} tokens; this gateway accepts up to ${maxPromptTokens}.`, {
      code: 'prompt_too_long',
      param: 'messages',
    });
  }
  if (request.temperature === undefined) return { ...request, temperature: 0.2 };
}

// Runs on the full response (for streams: once the stream has ended, and what
// it returns is not sent since the bytes have left). Return a new response to
// replace it.
export function onResponse(response, ctx) {
  if (ctx.operation !== 'chat' || ctx.stream) return;
  return {
    ...response,
    tokenpak: { provider: ctx.provider, latency_ms: Math.round(ctx.latencyMs), total_tokens: ctx.usage?.total_tokens },
  };
}
