import { isJsonObject } from '../core/json-object.js';
import type { NativeApi } from '../core/native.js';

/**
 * Tool types the provider runs itself, by API (each also has dated versions,
 * `web_search_20250305`): what they fetch or compute is billed as the
 * request's input, after its answer has begun, so no reservation can bound it.
 * Tools the client runs (functions, Anthropic's bash and text editor, OpenAI's
 * custom and local shell tools) are not among them.
 */
const providerRunPrefixes: Readonly<Record<NativeApi, readonly string[]>> = {
  messages: ['web_search', 'web_fetch', 'code_execution', 'mcp'],
  responses: ['web_search', 'file_search', 'code_interpreter', 'image_generation', 'computer_use', 'mcp'],
};

/** The types of the tools in a door's body that its provider runs itself (MCP servers included). */
export function providerRunTools(api: NativeApi, body: Readonly<Record<string, unknown>>): string[] {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const run = tools.flatMap((tool: unknown) => {
    const type = isJsonObject(tool) && typeof tool.type === 'string' ? tool.type : undefined;
    return type !== undefined && providerRunPrefixes[api].some((prefix) => type.startsWith(prefix)) ? [type] : [];
  });
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) run.push('mcp_servers');
  return run;
}
