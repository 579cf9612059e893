import type { EmbeddingRequest } from '../core/types.js';

/**
 * An embedding as the client asked for it: floats, or with `encoding_format:
 * "base64"` (the official OpenAI SDKs' default) the little-endian float32 bytes
 * in base64.
 */
export function encodeEmbedding(vector: number[], format: EmbeddingRequest['encoding_format']): number[] | string {
  if (format !== 'base64') return vector;
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}
