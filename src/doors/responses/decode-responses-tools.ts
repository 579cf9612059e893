import { isJsonObject } from '../../core/json-object.js';
import type { ToolDefinition } from '../../core/types.js';
import { invalidRequest, requireString } from '../request-checks.js';

const toolChoiceModes = new Set(['auto', 'none', 'required']);

/**
 * Responses tools → canonical function tools. Built-in tools (web_search,
 * file_search, custom, mcp, ...) exist only on OpenAI's servers, so they are
 * left out and named in `dropped`.
 */
export function decodeResponsesTools(tools: unknown, dropped: string[]): ToolDefinition[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalidRequest('"tools" must be a list.', 'tools');
  const decoded: ToolDefinition[] = [];
  tools.forEach((tool, index) => {
    const param = `tools[${index}]`;
    if (!isJsonObject(tool)) throw invalidRequest('Each tool must be an object.', param);
    if (tool.type !== 'function') {
      dropped.push(typeof tool.name === 'string' ? tool.name : String(tool.type));
      return;
    }
    const definition: ToolDefinition['function'] = { name: requireString(tool.name, `${param}.name`) };
    if (typeof tool.description === 'string') definition.description = tool.description;
    if (isJsonObject(tool.parameters)) definition.parameters = tool.parameters;
    if (typeof tool.strict === 'boolean') definition.strict = tool.strict;
    decoded.push({ type: 'function', function: definition });
  });
  return decoded.length > 0 ? decoded : undefined;
}

/** Responses `tool_choice` → canonical; a choice of a built-in tool goes with that tool into `dropped`. */
export function decodeResponsesToolChoice(choice: unknown, dropped: string[]): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === 'string') {
    if (!toolChoiceModes.has(choice)) throw invalidRequest('"tool_choice" must be auto, none, required or a tool.', 'tool_choice');
    return choice;
  }
  if (!isJsonObject(choice)) throw invalidRequest('"tool_choice" must be auto, none, required or a tool.', 'tool_choice');
  if (choice.type === 'function') return { type: 'function', function: { name: requireString(choice.name, 'tool_choice.name') } };
  dropped.push(`tool_choice:${String(choice.type)}`);
  return undefined;
}
