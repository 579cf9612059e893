import type { ChatMessage, ChatRequest } from '../../core/types.js';

type Encoding = 'o200k_base' | 'cl100k_base';
type CountText = (text: string) => number;

/**
 * BPE merges within one pre-tokenized piece take time quadratic in its length,
 * and a run without spaces is one piece: 100,000 repeated characters took 8 s
 * to count whole. Counted in slices of at most this many characters (cut at a
 * space where one is near), a text takes time linear in its length and
 * differs from the whole count by at most a token per cut, on the high side.
 */
const sliceCharacters = 2048;
/** Counting yields to the event loop after this long, so that other requests are served during a long count. */
const msBetweenYields = 5;

/** Longest prefix first: `gpt-4o` and `gpt-4.1` are o200k, the `gpt-4` before them cl100k. */
const encodingsByPrefix: Array<[prefix: string, encoding: Encoding]> = [
  ['gpt-4o', 'o200k_base'],
  ['chatgpt-4o', 'o200k_base'],
  ['gpt-4.1', 'o200k_base'],
  ['gpt-4.5', 'o200k_base'],
  ['gpt-5', 'o200k_base'],
  ['gpt-oss', 'o200k_base'],
  ['o1', 'o200k_base'],
  ['o3', 'o200k_base'],
  ['o4', 'o200k_base'],
  ['gpt-4', 'cl100k_base'],
  ['gpt-3.5', 'cl100k_base'],
];

/** OpenAI's chat format: every message costs 3 tokens around its role and content, a name 1 more, and the reply is primed with 3. */
const tokensPerMessage = 3;
const tokensPerName = 1;
const replyPriming = 3;

/** Each encoding's tables take tens of megabytes: loaded on first use, once. */
const loaded = new Map<Encoding, Promise<CountText>>();

export function openAIEncodingFor(model: string): Encoding | undefined {
  return encodingsByPrefix.find(([prefix]) => model.startsWith(prefix))?.[1];
}

/**
 * The prompt tokens OpenAI will bill for a chat request: exact for text
 * messages; for tool definitions and calls, which OpenAI renders in a format
 * of its own, the count of their JSON is a close estimate.
 */
export async function countOpenAIPromptTokens(req: ChatRequest, encoding: Encoding, signal?: AbortSignal): Promise<number> {
  const count = new SlicedCounter(await counter(encoding), signal);
  let total = replyPriming;
  for (const message of req.messages) {
    total += tokensPerMessage + (await count.tokens(message.role)) + (await count.tokens(messageText(message)));
    if (typeof message.name === 'string') total += tokensPerName + (await count.tokens(message.name));
    for (const call of message.tool_calls ?? []) total += (await count.tokens(call.function.name)) + (await count.tokens(call.function.arguments));
  }
  if (Array.isArray(req.tools) && req.tools.length > 0) total += await count.tokens(JSON.stringify(req.tools));
  return total;
}

/**
 * Counts text in bounded slices, and yields to the event loop whenever it has
 * counted for `msBetweenYields`, however the prompt is split into messages. A
 * count its caller gave up on (`signal`) stops at the next yield.
 */
class SlicedCounter {
  private lastYield = performance.now();

  constructor(
    private readonly count: CountText,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async tokens(text: string): Promise<number> {
    let total = 0;
    for (let start = 0; start < text.length; ) {
      const end = sliceEnd(text, start);
      total += this.count(text.slice(start, end));
      start = end;
      await this.yieldIfLong();
    }
    return total;
  }

  private async yieldIfLong(): Promise<void> {
    if (performance.now() - this.lastYield < msBetweenYields) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
    this.lastYield = performance.now();
  }
}

/** Where the slice from `start` ends: before the last space in its final quarter, so that words stay whole, else at the limit. */
function sliceEnd(text: string, start: number): number {
  const limit = start + sliceCharacters;
  if (limit >= text.length) return text.length;
  const space = text.lastIndexOf(' ', limit);
  return space > limit - sliceCharacters / 4 ? space : limit;
}

function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (!Array.isArray(message.content)) return '';
  return message.content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}

function counter(encoding: Encoding): Promise<CountText> {
  let count = loaded.get(encoding);
  if (!count) {
    count = (encoding === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base')).then(
      (module) => (text: string) => module.countTokens(text),
    );
    loaded.set(encoding, count);
  }
  return count;
}
