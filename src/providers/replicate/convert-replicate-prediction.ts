import type { ChatResponse, FinishReason, Usage } from '../../core/types.js';
import { completion, type ResponseIdentity } from '../shared/chunk-factory.js';
import type { ReplicatePrediction } from './wire-types.js';

/** A finished prediction → OpenAI chat completion. */
export function convertReplicatePrediction(prediction: ReplicatePrediction, identity: ResponseIdentity, maxTokens: number | undefined): ChatResponse {
  const text = Array.isArray(prediction.output) ? prediction.output.join('') : (prediction.output ?? '');
  return completion(identity, { role: 'assistant', content: text }, replicateFinishReason(prediction, maxTokens), convertReplicateUsage(prediction));
}

export function convertReplicateUsage(prediction: ReplicatePrediction): Usage {
  const prompt = prediction.metrics?.input_token_count ?? 0;
  const completionTokens = prediction.metrics?.output_token_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens };
}

/** Replicate reports no stop reason; a reply that used every token allowed was cut off. */
export function replicateFinishReason(prediction: ReplicatePrediction, maxTokens: number | undefined): FinishReason {
  const produced = prediction.metrics?.output_token_count;
  return maxTokens !== undefined && produced !== undefined && produced >= maxTokens ? 'length' : 'stop';
}
