import { isJsonObject } from '../../core/json-object.js';
import type { ToolDefinition } from '../../core/types.js';
import { invalidRequest } from '../request-checks.js';

export interface DecodedTools {
  tools: ToolDefinition[];
  /** Names of Anthropic server tools (web search, code execution...), which only Anthropic runs. */
  dropped: string[];
}

/**
 * Messages `tools` → canonical function tools. A tool whose `type` is set and
 * is not "custom" is one of Anthropic's server tools: no other provider can
 * run it, so it is left out and named in `dropped`.
 */
export function decodeTools(tools: unknown): DecodedTools {
  if (tools === undefined || tools === null) return { tools: [], dropped: [] };
  if (!Array.isArray(tools)) throw invalidRequest('"tools" must be an array.', 'tools');
  const decoded: ToolDefinition[] = [];
  const dropped: string[] = [];
  tools.forEach((tool: unknown, index) => {
    const at = `tools.${index}`;
    if (!isJsonObject(tool)) throw invalidRequest(`"${at}" must be an object.`, at);
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      dropped.push(typeof tool.name === 'string' ? tool.name : String(tool.type));
      return;
    }
    decoded.push(functionTool(tool, at));
  });
  return { tools: decoded, dropped };
}

function functionTool(tool: Record<string, unknown>, at: string): ToolDefinition {
  if (typeof tool.name !== 'string' || tool.name === '') throw invalidRequest(`"${at}.name" must be a non-empty string.`, `${at}.name`);
  const schema = tool.input_schema;
  if (!isJsonObject(schema)) throw invalidRequest(`"${at}.input_schema" must be a JSON Schema object.`, `${at}.input_schema`);
  const fn: ToolDefinition['function'] = { name: tool.name, parameters: schema };
  if (typeof tool.description === 'string') fn.description = tool.description;
  const decoded: ToolDefinition & { cache_control?: unknown } = { type: 'function', function: fn };
  if (tool.cache_control !== undefined && tool.cache_control !== null) decoded.cache_control = tool.cache_control;
  return decoded;
}

export interface DecodedToolChoice {
  tool_choice?: unknown;
  parallel_tool_calls?: false;
}

/** Messages `tool_choice` → canonical `tool_choice` and `parallel_tool_calls`. */
export function decodeToolChoice(choice: unknown): DecodedToolChoice {
  if (choice === undefined || choice === null) return {};
  if (!isJsonObject(choice)) throw invalidRequest('"tool_choice" must be an object with a "type".', 'tool_choice');
  const decoded: DecodedToolChoice = { tool_choice: canonicalChoice(choice) };
  if (choice.disable_parallel_tool_use === true) decoded.parallel_tool_calls = false;
  return decoded;
}

function canonicalChoice(choice: Record<string, unknown>): unknown {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      if (typeof choice.name !== 'string' || choice.name === '') throw invalidRequest('"tool_choice.name" must name a tool.', 'tool_choice.name');
      return { type: 'function', function: { name: choice.name } };
    default:
      throw invalidRequest('"tool_choice.type" must be "auto", "any", "tool" or "none".', 'tool_choice.type');
  }
}
