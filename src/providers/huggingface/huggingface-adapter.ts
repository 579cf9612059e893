import type { ProviderConfig } from '../../config/schema.js';
import { OpenAIAdapter } from '../openai/openai-adapter.js';

/**
 * Hugging Face's inference router, and any Text Generation Inference (TGI)
 * server, speak OpenAI's chat API: the OpenAI adapter with Hugging Face's router
 * as the default address. Model ids name a repository and, optionally, an
 * inference provider: `meta-llama/Llama-3.3-70B-Instruct:novita`.
 */
export const huggingFaceDefaultBaseUrl = 'https://router.huggingface.co/v1';

export class HuggingFaceAdapter extends OpenAIAdapter {
  constructor(name: string, options: ProviderConfig) {
    super(name, { ...options, base_url: options.base_url ?? huggingFaceDefaultBaseUrl });
  }
}
