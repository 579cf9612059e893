import type { ChatRequest } from '../core/types.js';
import { undatedModelName } from './model-names.js';
import type { ParamRules } from './param-rules-schema.js';

/** A request as one model will take it, and the meaningful values it could not take. */
export interface ParamsForModel {
  /** The same object when nothing changed, so that an unchanged request still goes as the client's bytes. */
  request: ChatRequest;
  /** Parameters sent with a value that means something, which the model cannot take: dropped, or the reason for a 400. */
  unsupported: string[];
}

/**
 * Which parameters each model takes (src/models/model-param-rules.json, then
 * proxy.yaml's `models.<name>.params`, which replaces a shipped entry), and
 * the request each model is sent. A model is looked up as itself, else as
 * the model it is a dated snapshot of; a model in neither takes everything.
 */
export class ModelParamRules {
  private readonly byModel = new Map<string, ParamRules>();
  /** Models whose dropped values were logged: table entries only, so as many as the table has. */
  private readonly warned = new Set<string>();

  constructor(shipped: { families: Record<string, ParamRules>; models: Record<string, string> }, overrides: Record<string, ParamRules>) {
    for (const [model, family] of Object.entries(shipped.models)) {
      const rules = shipped.families[family];
      if (rules) this.byModel.set(model, rules);
    }
    for (const [model, rules] of Object.entries(overrides)) this.byModel.set(model, rules);
  }

  rulesFor(model: string): ParamRules | undefined {
    return this.byModel.get(this.entryOf(model));
  }

  /** Whether this is the first time a value was dropped for the model's entry: it is logged once, not per request. */
  firstDropFor(model: string): boolean {
    const entry = this.entryOf(model);
    if (this.warned.has(entry)) return false;
    this.warned.add(entry);
    return true;
  }

  private entryOf(model: string): string {
    return this.byModel.has(model) ? model : undatedModelName(model);
  }

  /**
   * Renames keep their meaning (Chat Completions names: a body in another
   * API, `rename: false`, keeps its own); a refused parameter at its default is dropped
   * silently; a refused or out-of-range value that means something is dropped
   * and named in `unsupported`; of an exclusive group, members at their
   * default go first, then every member after the first the client sent.
   */
  forModel(request: ChatRequest, model: string, options: { rename: boolean } = { rename: true }): ParamsForModel {
    const rules = this.rulesFor(model);
    if (rules === undefined) return { request, unsupported: [] };
    let sent: Record<string, unknown> = request;
    const unsupported: string[] = [];
    const remove = (name: string, meaningful: boolean) => {
      if (sent === request) sent = { ...request };
      delete sent[name];
      if (meaningful) unsupported.push(name);
    };
    const isSet = (name: string) => sent[name] !== undefined && sent[name] !== null;
    const atDefault = (name: string) => rules.defaults?.[name] !== undefined && sent[name] === rules.defaults[name];
    for (const [from, to] of Object.entries(options.rename ? (rules.rename ?? {}) : {})) {
      if (!(from in sent)) continue;
      const value = sent[from];
      remove(from, false);
      if (value !== null && value !== undefined && !isSet(to)) sent[to] = value;
    }
    for (const name of rules.unsupported ?? []) {
      if (name in sent) remove(name, isSet(name) && !atDefault(name));
    }
    for (const [name, { min, max }] of Object.entries(rules.ranges ?? {})) {
      const value = sent[name];
      if (typeof value === 'number' && ((min !== undefined && value < min) || (max !== undefined && value > max))) remove(name, true);
    }
    for (const group of rules.exclusive ?? []) {
      // A member sent as null asks for nothing, and a body in the provider's own API would carry it upstream as it is.
      for (const name of group) if (name in sent && !isSet(name)) remove(name, false);
      let kept = group.filter(isSet);
      for (const name of kept.filter(atDefault)) {
        if (kept.length === 1) break;
        remove(name, false);
        kept = kept.filter((other) => other !== name);
      }
      for (const name of kept.slice(1)) remove(name, true);
    }
    return { request: sent as ChatRequest, unsupported };
  }
}
