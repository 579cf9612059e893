/** Bytes already in hand (a cached answer) as the streamed body a provider's stream reads. */
export async function* bodyOf(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}
