import type { AdapterContext } from '../core/adapter-context.js';
import type { RequestContext } from './context.js';

/** What an adapter is handed of the request: a read-only view, live across attempts (each has its own signal), never the context itself. */
export function adapterView(ctx: RequestContext): AdapterContext {
  return {
    id: ctx.id,
    clientApiKey: ctx.clientApiKey,
    headers: ctx.headers,
    get signal() {
      return ctx.signal;
    },
    get rawBody() {
      return ctx.rawBody;
    },
    get request() {
      return ctx.request;
    },
  };
}
