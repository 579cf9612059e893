// Whether the model saw the same content with and without the rewrites: after cache_control is removed, every
// string equal, or both parse as JSON to deep-equal values, or equal after trim_whitespace's documented
// normalisation (trailing spaces and tabs removed, before \n or \r\n, and runs of 3+ newlines collapsed to 2, outside ``` fences).
import { isDeepStrictEqual } from 'node:util';
import { withoutCacheControl } from './prompt-tokens.mjs';

const fence = /^\s*```/;
const trailingSpaces = /[ \t]+(\r?)$/;

/** trim_whitespace's normalisation, as docs/savings.md states it. */
export function normalisedWhitespace(text) {
  const lines = text.split('\n');
  const out = [];
  let inFence = false;
  let blankRun = 0;
  for (const line of lines) {
    const isFence = fence.test(line);
    if (isFence) inFence = !inFence;
    const kept = inFence && !isFence ? line : line.replace(trailingSpaces, '$1');
    blankRun = (kept === '' || kept === '\r') && !inFence ? blankRun + 1 : 0;
    if (blankRun >= 2) continue;
    out.push(kept);
  }
  return out.join('\n');
}

function parsedJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function sameText(original, rewritten) {
  if (original === rewritten) return true;
  const a = parsedJson(original);
  const b = parsedJson(rewritten);
  if (a.ok && b.ok) return isDeepStrictEqual(a.value, b.value);
  return normalisedWhitespace(original) === normalisedWhitespace(rewritten);
}

function sameContent(original, rewritten) {
  if (typeof original === 'string' && typeof rewritten === 'string') return sameText(original, rewritten);
  if (Array.isArray(original) || Array.isArray(rewritten)) {
    return Array.isArray(original) && Array.isArray(rewritten) && original.length === rewritten.length && original.every((item, index) => sameContent(item, rewritten[index]));
  }
  if (original && rewritten && typeof original === 'object' && typeof rewritten === 'object') {
    const keys = Object.keys(original);
    if (keys.length !== Object.keys(rewritten).length) return false;
    return keys.every((key) => key in rewritten && sameContent(original[key], rewritten[key]));
  }
  return original === rewritten;
}

/** What the model reads: the body without cache markers and OpenAI's cache routing key, which steer billing only. */
function modelContent(body) {
  const { prompt_cache_key: _routingKey, ...content } = withoutCacheControl(body);
  return content;
}

/** True when the rewritten upstream body carries the same content as the original one. */
export function isLosslessRewrite(originalBody, rewrittenBody) {
  return sameContent(modelContent(originalBody), modelContent(rewrittenBody));
}

/** The (conversation, turn) pairs whose bodies differ in content; never their text. */
export function losslessFailures(originalTurns, rewrittenTurns) {
  if (originalTurns.length !== rewrittenTurns.length) return [{ conversation: '*', turn: -1, reason: 'different turn counts' }];
  const failures = [];
  originalTurns.forEach((original, index) => {
    if (!isLosslessRewrite(original.body, rewrittenTurns[index].body)) failures.push({ conversation: original.conversation, turn: original.turn });
  });
  return failures;
}
