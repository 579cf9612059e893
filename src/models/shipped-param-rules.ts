import shipped from './model-param-rules.json' with { type: 'json' };
import { paramRulesTableSchema } from './param-rules-schema.js';

/** The parameter rules TokenPak ships (model-param-rules.json), checked once as the module loads. */
export const shippedParamRules = paramRulesTableSchema.parse(shipped);
