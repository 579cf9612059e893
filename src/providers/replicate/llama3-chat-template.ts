import { GatewayError } from '../../core/errors.js';
import type { ChatRequest } from '../../core/types.js';
import { textOf } from '../shared/message-content.js';

const roles = new Map([
  ['system', 'system'],
  ['developer', 'system'],
  ['user', 'user'],
  ['assistant', 'assistant'],
]);

/**
 * The Llama 3 chat template: each message in header tokens, ended by
 * `<|eot_id|>`, and an open assistant header for the model to continue.
 */
export function applyLlama3ChatTemplate(req: ChatRequest): string {
  let prompt = '<|begin_of_text|>';
  req.messages.forEach((message, index) => {
    const role = roles.get(message.role);
    if (!role || message.tool_calls?.length) {
      throw new GatewayError(400, `Llama models on Replicate take system, user and assistant text only, not ${message.tool_calls?.length ? 'tool calls' : `"${message.role}" messages`}.`, {
        param: `messages[${index}]`,
      });
    }
    prompt += `<|start_header_id|>${role}<|end_header_id|>\n\n${textOf(message, `messages[${index}]`, 'Replicate').trim()}<|eot_id|>`;
  });
  return `${prompt}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}
