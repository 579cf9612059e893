import type { ServerResponse } from 'node:http';
import { json, type ReceivedRequest } from './fake-server.js';

/** The model name (in the URL) that makes the Gemini fake play one function round trip. */
export const geminiToolRoundTripModel = 'google-tool-round-trip';
export const geminiToolArgs = { location: 'San Francisco' };

/** The answer to a function response: quotes it, so a test sees that it arrived. */
export function geminiRoundTripAnswer(functionResponse: unknown): string {
  return `The function said: ${JSON.stringify(functionResponse)}`;
}

/**
 * Calls the request's first function declaration (with a thought signature, as
 * Gemini 3 does) unless the last content holds a `functionResponse`; then
 * answers with text quoting its `response`. Shapes are those of
 * recordings/google/google-tool-call and google-text; the stream ends with an
 * empty-text chunk carrying `finishReason`, and every chunk repeats `usageMetadata`.
 */
export async function geminiToolRoundTrip(req: ReceivedRequest, res: ServerResponse, streaming: boolean): Promise<void> {
  const lastParts: Array<{ functionResponse?: { response: unknown } }> = req.body.contents.at(-1)?.parts ?? [];
  const answered = lastParts.find((part) => part.functionResponse)?.functionResponse;
  const name: string = req.body.tools?.[0]?.functionDeclarations?.[0]?.name ?? 'weather';
  const part = answered
    ? { text: geminiRoundTripAnswer(answered.response) }
    : { functionCall: { name, args: geminiToolArgs }, thoughtSignature: 'EskgCsYgAb4+9vtF7/499YQS2bjZs3xcQI+iAl+ILn29nK1j0Kg6su7QsUUUk3nrAAfnS2w5WiVvlcCqu9fAebJ2cvfaEyBahEt5' };
  const usageMetadata = answered
    ? { promptTokenCount: 61, candidatesTokenCount: 14, totalTokenCount: 75, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 61 }] }
    : { promptTokenCount: 29, candidatesTokenCount: 15, totalTokenCount: 89, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 29 }], thoughtsTokenCount: 45 };
  const base = { modelVersion: 'gemini-3-pro-preview', responseId: answered ? 'RoundTripAnswer0000001' : 'RoundTripCall00000001' };
  if (!streaming) {
    return json(res, 200, { candidates: [{ content: { parts: [part], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata, ...base });
  }
  const chunks = [
    { candidates: [{ content: { parts: [part], role: 'model' }, index: 0 }], usageMetadata, ...base },
    { candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata, ...base },
  ];
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const chunk of chunks) {
    res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}
