import { z } from 'zod';

const paramName = z.string().min(1);

/**
 * What one model takes, in the canonical (OpenAI) parameter names: the shipped
 * table's families and proxy.yaml's `models.<name>.params` have this shape.
 */
export const paramRulesSchema = z.strictObject({
  /** Parameters the model takes under another name (`max_tokens` → `max_completion_tokens`). */
  rename: z.record(paramName, paramName).optional(),
  /** Parameters the model refuses: sent at their `defaults` value they are dropped silently, else as `params.unsupported` says. */
  unsupported: z.array(paramName).optional(),
  /** Each parameter's default: the value that asks for nothing, so dropping it changes nothing. */
  defaults: z.record(paramName, z.union([z.number(), z.boolean(), z.string()])).optional(),
  /** Groups of which at most one may be sent (Claude 4.5+: `temperature` or `top_p`). */
  exclusive: z.array(z.array(paramName).min(2)).optional(),
  /** The values a numeric parameter may take; one outside is a value the model cannot take. */
  ranges: z.record(paramName, z.strictObject({ min: z.number().optional(), max: z.number().optional() })).optional(),
});

export type ParamRules = z.infer<typeof paramRulesSchema>;

/** The shipped table (src/models/model-param-rules.json): families of rules, and the models in each. */
export const paramRulesTableSchema = z.object({
  as_of: z.string(),
  families: z.record(z.string(), paramRulesSchema),
  models: z.record(z.string(), z.string()),
});
