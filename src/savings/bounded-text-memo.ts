/**
 * A least-recently-used map from a text to what was worked out about it,
 * bounded by entries and by the characters it holds (each entry's key and
 * whatever text its value keeps), so that an agent resending its history
 * pays for each of its texts once, and memory stays bounded.
 */
export class BoundedTextMemo<Value> {
  private readonly entries = new Map<string, { value: Value; characters: number }>();
  private heldCharacters = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxCharacters: number,
  ) {}

  get(text: string): Value | undefined {
    const entry = this.entries.get(text);
    if (!entry) return undefined;
    this.entries.delete(text);
    this.entries.set(text, entry);
    return entry.value;
  }

  /** `valueCharacters`: characters the value holds beyond the key. A text too large to keep at all is not kept. */
  set(text: string, value: Value, valueCharacters: number): void {
    this.delete(text);
    const characters = text.length + valueCharacters;
    if (characters > this.maxCharacters) return;
    this.entries.set(text, { value, characters });
    this.heldCharacters += characters;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.heldCharacters <= this.maxCharacters) break;
      this.entries.delete(oldest);
      this.heldCharacters -= entry.characters;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get characters(): number {
    return this.heldCharacters;
  }

  private delete(text: string): void {
    const entry = this.entries.get(text);
    if (!entry) return;
    this.entries.delete(text);
    this.heldCharacters -= entry.characters;
  }
}
