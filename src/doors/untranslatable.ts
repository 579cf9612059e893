/**
 * What a door's request holds that no canonical message can carry (documents,
 * server tool results, items of a newer API version). It is left out of the
 * canonical request rather than refused: a provider that speaks the door's API
 * is sent the client's body, all of it; any other provider cannot be, and the
 * first such part is what the client is told. Parts that name content the
 * provider fetches itself (a file id, a URL) are noted apart: the body's size
 * does not bound their tokens.
 */
export class Untranslatable {
  private first: { what: string; param: string } | undefined;
  private firstUnbounded: string | undefined;

  constructor(private readonly api: 'Messages' | 'Responses') {}

  /** `what` names the part for a person, e.g. `Content blocks of type "document"`; `param` is where it is. */
  note(what: string, param: string, part: unknown): void {
    this.first ??= { what, param };
    if (this.firstUnbounded === undefined && refersToProviderContent(part)) this.firstUnbounded = param;
  }

  /** Why the request can go only to a provider that speaks the door's API, when something was left out. */
  reason(): { message: string; param: string } | undefined {
    if (!this.first) return undefined;
    const { what, param } = this.first;
    return { message: `${what} (at ${param}) can be sent only to a provider that speaks the ${this.api} API.`, param };
  }

  /** Where the first part is whose content the provider fetches itself (so only a count can size it), if any. */
  unboundedAt(): string | undefined {
    return this.firstUnbounded;
  }
}

/** Keys that name content by reference rather than carry it. */
const referenceKeys = new Set(['file_id', 'file_url', 'url']);
/** A request is checked to be at most 64 levels deep before it is decoded; references sit far shallower than this. */
const deepestReference = 16;

/** Whether a part names content the provider fetches (a file id, a URL) rather than carrying it. */
export function refersToProviderContent(part: unknown, depth = 0): boolean {
  if (part === null || typeof part !== 'object' || depth > deepestReference) return false;
  if (Array.isArray(part)) return part.some((item) => refersToProviderContent(item, depth + 1));
  for (const [key, value] of Object.entries(part)) {
    if (referenceKeys.has(key) && typeof value === 'string') return true;
    if (refersToProviderContent(value, depth + 1)) return true;
  }
  return false;
}
