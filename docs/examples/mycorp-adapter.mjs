// A complete custom provider adapter for TokenPak, described step by step in docs/adapters.md.
//
// "MyCorp" is an internal inference service with its own wire format:
//   POST {base_url}/v1/generate
//     { "model", "turns": [{ "speaker": "system" | "human" | "bot", "text" }], "max_new_tokens", "temperature", "stream" }
//   → { "output": "...", "stop_reason": "end" | "max_tokens", "tokens": { "input": 12, "output": 30 } }
//   With "stream": true it answers SSE: `data: {"delta":"..."}` lines, then
//   `data: {"stop_reason":"end","tokens":{...}}`.
//   Errors: { "detail": "..." } with an HTTP status.
import { BaseAdapter, GatewayError, estimatePromptTokens } from 'tokenpak';

const speakers = { system: 'system', developer: 'system', user: 'human', assistant: 'bot' };

export default class MyCorpAdapter extends BaseAdapter {
  // `this.name` is the provider's name in proxy.yaml; `this.options` its settings,
  // including any keys of your own (here `default_max_tokens`).

  async sendRequest(req, ctx) {
    const response = await fetch(`${this.options.base_url}/v1/generate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // A configured api_key wins; the client's own key goes only where the operator set forward_client_key.
        authorization: `Bearer ${this.options.api_key ?? (this.options.forward_client_key ? ctx.clientApiKey : undefined) ?? ''}`,
      },
      body: JSON.stringify(toMyCorpRequest(req, this.options.default_max_tokens ?? 512)),
      // Aborts when the client disconnects or the provider's timeout_ms passes.
      signal: ctx.signal,
    });
    if (!response.ok) {
      // The status decides what the gateway does next: 429 and 5xx fail over to
      // the fallback providers; other 4xx go back to the client as they are.
      const body = await response.json().catch(() => ({}));
      throw new GatewayError(response.status, body.detail ?? `MyCorp answered HTTP ${response.status}`);
    }
    const identity = { id: `chatcmpl-${ctx.id}`, created: Math.floor(Date.now() / 1000), model: req.model };
    if (req.stream) return toChunks(readEvents(response.body), identity);
    return toCompletion(await response.json(), identity);
  }

  // Used for pre-flight estimates (hooks, limits); billing uses the usage you report.
  countTokens(req) {
    return estimatePromptTokens(req, this.options.chars_per_token);
  }
}

function toMyCorpRequest(req, defaultMaxTokens) {
  const turns = req.messages.map((message) => {
    const speaker = speakers[message.role];
    if (!speaker) throw new GatewayError(400, `MyCorp does not accept "${message.role}" messages.`, { param: 'messages' });
    const text = typeof message.content === 'string' ? message.content : (message.content ?? []).map((part) => part.text ?? '').join('');
    return { speaker, text };
  });
  return {
    model: req.model,
    turns,
    max_new_tokens: req.max_completion_tokens ?? req.max_tokens ?? defaultMaxTokens,
    temperature: req.temperature ?? undefined,
    stream: req.stream === true,
  };
}

function toUsage(tokens) {
  return { prompt_tokens: tokens.input, completion_tokens: tokens.output, total_tokens: tokens.input + tokens.output };
}

function finishReason(stopReason) {
  return stopReason === 'max_tokens' ? 'length' : 'stop';
}

function toCompletion(result, { id, created, model }) {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: result.output }, finish_reason: finishReason(result.stop_reason) }],
    usage: toUsage(result.tokens),
  };
}

// Yields OpenAI chunks. Report usage in a last chunk with empty `choices`: the
// gateway records it and shows it only to clients that asked for it.
async function* toChunks(events, { id, created, model }) {
  const chunk = (delta, finish_reason = null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason }] });
  yield chunk({ role: 'assistant', content: '' });
  for await (const event of events) {
    if (event.delta !== undefined) yield chunk({ content: event.delta });
    if (event.stop_reason !== undefined) {
      yield chunk({}, finishReason(event.stop_reason));
      yield { id, object: 'chat.completion.chunk', created, model, choices: [], usage: toUsage(event.tokens) };
    }
  }
}

// Parses the SSE `data:` lines of a fetch body.
async function* readEvents(body) {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of body) {
    buffered += decoder.decode(bytes, { stream: true });
    let newline;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('data:')) yield JSON.parse(line.slice(5));
    }
  }
}
