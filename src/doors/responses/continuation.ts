import { GatewayError } from '../../core/errors.js';
import type { ChatMessage } from '../../core/types.js';
import { resolveItemReferences } from './resolve-item-references.js';
import type { ResponseStore } from '../../state/response-store.js';

/** What a Responses request continues, and so who can answer it. */
export interface Continuation {
  /** The body with every `item_reference` TokenPak kept replaced by its item (the others left out), for decoding. */
  readonly body: Record<string, unknown>;
  /** The conversation of the `previous_response_id`, when TokenPak kept it. */
  readonly history: ChatMessage[] | undefined;
  /** It uses what TokenPak kept, which the provider never saw: it must be translated. */
  readonly keptByTokenPak: boolean;
  /** Why it uses what only the provider kept, which only a provider that speaks Responses can read. */
  readonly keptByProvider: { message: string; param: string } | undefined;
}

/**
 * Resolves `previous_response_id` and `item_reference`s against the responses
 * TokenPak kept for this client key. A request cannot lean on both what
 * TokenPak kept and what only the provider kept: no provider could read both.
 */
export function resolveContinuation(body: Record<string, unknown>, store: ResponseStore, scope: string, maxBytes: number): Continuation {
  const previousId = typeof body.previous_response_id === 'string' && body.previous_response_id !== '' ? body.previous_response_id : undefined;
  const history = previousId === undefined ? undefined : store.load(scope, previousId);
  const references = resolveItemReferences(body.input, (id) => store.loadItem(scope, id), maxBytes);
  const keptByTokenPak = history !== undefined || references.resolved > 0;
  const unknownPrevious = previousId !== undefined && history === undefined;
  const keptByProvider = unknownPrevious
    ? notKept(`"previous_response_id" "${previousId}"`, 'previous_response_id')
    : references.unresolved.length > 0
      ? notKept(`item_reference "${references.unresolved[0]}"`, 'input')
      : undefined;
  if (keptByTokenPak && keptByProvider) {
    throw new GatewayError(
      400,
      'This request continues both a response TokenPak kept and one only the provider kept (previous_response_id or item_reference); no provider can read both: send the whole conversation as input.',
      { param: keptByProvider.param, code: 'invalid_request' },
    );
  }
  return { body: references.input === body.input ? body : { ...body, input: references.input }, history, keptByTokenPak, keptByProvider };
}

function notKept(what: string, param: string): { message: string; param: string } {
  return {
    message: `${what} is not something TokenPak kept for this API key (it keeps translated responses unless "store" is false, for responses.store.ttl_seconds), so only a provider that speaks the Responses API can read it; or send the whole conversation as input.`,
    param,
  };
}
