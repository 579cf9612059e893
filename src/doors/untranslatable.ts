/**
 * What a door's request holds that no canonical message can carry (documents,
 * server tool results, items of a newer API version). It is left out of the
 * canonical request rather than refused: a provider that speaks the door's API
 * is sent the client's body, all of it; any other provider cannot be, and the
 * first such part is what the client is told.
 */
export class Untranslatable {
  private first: { what: string; param: string } | undefined;

  constructor(private readonly api: 'Messages' | 'Responses') {}

  /** `what` names the part for a person, e.g. `Content blocks of type "document"`; `param` is where it is. */
  note(what: string, param: string): void {
    this.first ??= { what, param };
  }

  /** Why the request can go only to a provider that speaks the door's API, when something was left out. */
  reason(): { message: string; param: string } | undefined {
    if (!this.first) return undefined;
    const { what, param } = this.first;
    return { message: `${what} (at ${param}) can be sent only to a provider that speaks the ${this.api} API.`, param };
  }
}
