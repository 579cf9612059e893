/**
 * The JSON an answer was parsed from (a provider's body, a cache entry), so
 * that it leaves as those bytes instead of being serialised again while
 * nothing has changed it. Keyed by the object itself, never copied along with
 * its fields (a spread copy is a different answer), and gone with it.
 */
const bytesOfAnswer = new WeakMap<object, Buffer | string>();

export function rememberAnswerBytes(answer: object, bytes: Buffer | string): void {
  bytesOfAnswer.set(answer, bytes);
}

/** The bytes `answer` was parsed from, unless it may have changed since (see `forgetAnswerBytes`). */
export function answerBytesOf(answer: unknown): Buffer | string | undefined {
  return typeof answer === 'object' && answer !== null ? bytesOfAnswer.get(answer) : undefined;
}

/** Before code that may change the answer in place (an `onResponse` hook) sees it. */
export function forgetAnswerBytes(answer: object): void {
  bytesOfAnswer.delete(answer);
}
