import { GatewayError } from '../../core/errors.js';
import type { ChatRequest } from '../../core/types.js';
import { definedOnly } from '../shared/defined-only.js';
import { samplingOf } from '../shared/sampling.js';
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
  const sampling = samplingOf(req);
  const input: ReplicateInput = definedOnly({
    prompt: applyLlama3ChatTemplate(req),
    prompt_template: '{prompt}',
    max_tokens: sampling.maxTokens,
    temperature: sampling.temperature,
    top_p: sampling.topP,
    seed: sampling.seed,
    presence_penalty: sampling.presencePenalty,
    frequency_penalty: sampling.frequencyPenalty,
    stop_sequences: sampling.stop?.join(','),
  });
  const prediction: ReplicatePredictionRequest = { input };
  if (req.stream === true) prediction.stream = true;
  if (target.version) prediction.version = target.version;
  return prediction;
}
