/**
 * Claude models that take `temperature` or `top_p` but not both (Opus 4.1,
 * the 4.5 and 4.6 models), as the real API knows them. Hard-coded here, apart
 * from the gateway's own table, because the fake stands in for the real API.
 */
const oneSamplerModels = new Set(['claude-opus-4-1', 'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-6', 'claude-sonnet-4-6']);
/** Earlier Claude models, which take both. */
const bothSamplersModels = new Set(['claude-opus-4', 'claude-sonnet-4', 'claude-3-7-sonnet', 'claude-3-5-sonnet', 'claude-3-5-haiku', 'claude-3-opus', 'claude-3-haiku']);

/** Anthropic's dated snapshots (`claude-sonnet-4-5-20250929`) and `-latest` aliases are their model. */
const snapshotSuffix = /-(?:\d{8}|latest)$/;

function undated(model: string): string {
  return model.replace(snapshotSuffix, '');
}

/** Whether the real API serves this model name (the fake answers it with its plain-text capture). */
export function isClaudeModel(model: string): boolean {
  return oneSamplerModels.has(undated(model)) || bothSamplersModels.has(undated(model));
}

/** Anthropic's 400 message for sampling parameters the model refuses; nothing when it takes them. */
export function refusedSampling(body: { model: string; temperature?: unknown; top_p?: unknown }): string | undefined {
  for (const name of ['temperature', 'top_p'] as const) {
    const value = body[name];
    if (typeof value === 'number' && (value < 0 || value > 1)) return `${name}: range: 0..1`;
  }
  if (oneSamplerModels.has(undated(body.model)) && body.temperature !== undefined && body.top_p !== undefined) {
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  }
  return undefined;
}
