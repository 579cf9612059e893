import OpenAI from 'openai';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { ConfigInput } from '../../src/config/schema.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';

export const clientKey = 'sk-client-test-key';

export interface TestGateway {
  gateway: Gateway;
  server: RunningServer;
  /** `http://127.0.0.1:<port>/v1` */
  baseURL: string;
  /** The official OpenAI SDK pointed at the gateway. */
  client: OpenAI;
  close(): Promise<void>;
}

/** Starts the real gateway and HTTP server on a free loopback port with the given config. */
export async function startTestGateway(config: ConfigInput, options: { baseDir?: string } = {}): Promise<TestGateway> {
  const gateway = await createGateway({
    // Tests repeat identical requests; only the cache tests turn the cache on.
    config: { usage: { db_path: ':memory:' }, cache: { enabled: false }, ...config },
    baseDir: options.baseDir,
    env: {},
    logger: pino({ level: 'silent' }),
  });
  const server = await startHttpServer(gateway, { host: '127.0.0.1', port: 0 });
  const baseURL = `${server.url}/v1`;
  return {
    gateway,
    server,
    baseURL,
    client: new OpenAI({ baseURL, apiKey: clientKey, maxRetries: 0 }),
    async close() {
      await server.close();
      await gateway.close();
    },
  };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** The text and final usage of a stream, read the way an application would. */
export async function collectStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let text = '';
  let finishReason: string | null = null;
  let usage: OpenAI.Completions.CompletionUsage | undefined;
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  const toolArguments: string[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      for (const call of choice.delta.tool_calls ?? []) toolArguments[call.index] = (toolArguments[call.index] ?? '') + (call.function?.arguments ?? '');
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  }
  return { text, finishReason, usage, chunks, toolArguments };
}

/** Reads a stream the way an application would until it ends or fails: the text so far, and the error if it failed. */
export async function readUntilFailure(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<{ text: string; failure: Error | undefined }> {
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return { text, failure: undefined };
  } catch (error) {
    return { text, failure: error as Error };
  }
}

/** A pino logger whose lines the test can read: each line as written, JSON text. */
export function capturedLogger(level: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
