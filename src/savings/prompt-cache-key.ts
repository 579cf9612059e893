import { hash } from 'node:crypto';
import type { ChatRequest } from '../core/types.js';

/**
 * A conversation's `prompt_cache_key`: a hash of the client's key id and the
 * conversation's opening (its messages up to and including the first user
 * message), which every later turn of it repeats. Requests of one conversation
 * so share a key, and land on the provider's machine holding their prefix;
 * another client's conversation never shares it, even with the same opening.
 */
export function promptCacheKeyOf(keyId: string, request: ChatRequest): string {
  const messages = request.messages;
  let opening = messages.length;
  for (let index = 0; index < messages.length; index += 1) {
    if (messages[index]?.role === 'user') {
      opening = index + 1;
      break;
    }
  }
  // One-shot hashing: a third of createHash's cost on inputs this small.
  return `tokenpak-${hash('sha256', `${keyId}\0${JSON.stringify(messages.slice(0, opening))}`, 'base64url').slice(0, 32)}`;
}
