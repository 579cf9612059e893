import { GatewayError } from '../../gateway/errors.js';
import type { ChatRequest } from '../../types.js';
import { applyLlama3ChatTemplate } from './llama3-chat-template.js';
import type { ReplicateInput, ReplicatePredictionRequest } from './wire-types.js';

const modelName = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)(?::([0-9a-f]{64}))?$/;

export interface ReplicateTarget {
  /** `/models/{owner}/{name}/predictions` for official models, `/predictions` for a pinned version. */
  path: string;
  version?: string;
}

/** `owner/name` or `owner/name:version`; anything else could reach another path and is refused. */
export function replicateTarget(model: string): ReplicateTarget {
  const match = modelName.exec(model);
  if (!match) {
    throw new GatewayError(400, `Replicate models are named "owner/name" or "owner/name:version", not "${model}".`, { param: 'model', code: 'model_not_found' });
  }
  const [, owner, name, version] = match;
  return version ? { path: '/predictions', version } : { path: `/models/${owner}/${name}/predictions` };
}

/** OpenAI chat request → a Replicate prediction of a Llama 3 chat model. */
export function convertToReplicateRequest(req: ChatRequest, target: ReplicateTarget): ReplicatePredictionRequest {
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    throw new GatewayError(400, 'Llama models on Replicate do not take tools through TokenPak.', { param: 'tools' });
  }
  const input: ReplicateInput = { prompt: applyLlama3ChatTemplate(req), prompt_template: '{prompt}' };
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (typeof maxTokens === 'number') input.max_tokens = maxTokens;
  if (typeof req.temperature === 'number') input.temperature = req.temperature;
  if (typeof req.top_p === 'number') input.top_p = req.top_p;
  if (typeof req.seed === 'number') input.seed = req.seed;
  if (typeof req.presence_penalty === 'number') input.presence_penalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') input.frequency_penalty = req.frequency_penalty;
  const stops = typeof req.stop === 'string' ? [req.stop] : Array.isArray(req.stop) ? req.stop : [];
  if (stops.length > 0) input.stop_sequences = stops.join(',');
  const prediction: ReplicatePredictionRequest = { input };
  if (req.stream === true) prediction.stream = true;
  if (target.version) prediction.version = target.version;
  return prediction;
}
