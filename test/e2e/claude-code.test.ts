import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { plainAnswer, plainPrompt, shellCommand, shellOutput, startScriptedAnthropicFake, startScriptedChatFake, toolAnswer, toolPrompt } from '../fakes/agent-fakes.js';
import type { FakeServer, ReceivedRequest } from '../fakes/fake-server.js';
import { agentClients, agentInstallTimeoutMs, runClaudeCode, type AgentRun } from '../support/agent-clients.js';
import { startTestGateway, type TestGateway } from '../support/harness.js';
import { startRecordingRelay } from '../support/recording-relay.js';

/** Each run is a real CLI session with up to two model turns; the CLI itself stops after 60 s. */
const runTimeoutMs = 120_000;
/** The model name Claude Code 2.1.332 asks for, which the gateway's alias maps to the fake's. */
const claudeCodeModel = 'claude-opus-5-5';

/** The CLI's `--output-format json` result, failing with everything it printed when it did not succeed. */
function resultOf(run: AgentRun): { result: string; is_error: boolean } {
  expect(run.exitCode, `claude exited ${run.exitCode}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout);
}

function cacheBreakpoints(body: unknown): number {
  return JSON.stringify(body).split('"cache_control":').length - 1;
}

/** What a passthrough must deliver: the bytes Claude Code sent, with only the model name replaced. */
function expectForwardedUnchanged(sent: ReceivedRequest, received: ReceivedRequest, model: string): void {
  expect(sent.body.model).toBe(claudeCodeModel);
  expect(received.body).toEqual({ ...sent.body, model });
  expect(received.raw.toString('utf8')).toBe(sent.raw.toString('utf8').replace(`"model":"${claudeCodeModel}"`, `"model":"${model}"`));
  expect(received.headers['anthropic-beta']).toBe(sent.headers['anthropic-beta']);
}

let claude: string;
beforeAll(async () => {
  ({ claude } = await agentClients());
}, agentInstallTimeoutMs);

describe('Claude Code through TokenPak to an Anthropic provider (passthrough)', () => {
  let anthropic: FakeServer;
  let gw: TestGateway;
  let relay: FakeServer;

  beforeAll(async () => {
    anthropic = await startScriptedAnthropicFake();
    gw = await startTestGateway({
      providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-provider-key' } },
      routing: { aliases: { [claudeCodeModel]: 'claude/claude-scripted' } },
    });
    relay = await startRecordingRelay(gw.server.url);
  });
  afterAll(async () => {
    await relay?.close();
    await gw?.close();
    await anthropic?.close();
  });
  beforeEach(() => {
    anthropic.requests.length = 0;
    relay.requests.length = 0;
  });

  it('answers a plain prompt, the provider receiving the request as Claude Code sent it apart from the model', async () => {
    const result = resultOf(await runClaudeCode(claude, relay.url, plainPrompt));

    expect(result).toMatchObject({ is_error: false, result: plainAnswer });
    expect(anthropic.requests).toHaveLength(1);
    const [sent, received] = [relay.requests[0]!, anthropic.requests[0]!];
    expectForwardedUnchanged(sent, received, 'claude-scripted');
    expect(received.headers['x-api-key']).toBe('sk-ant-provider-key');
    // The parts a translation would lose, checked to be present at all (the comparison above shows them unchanged).
    expect(cacheBreakpoints(received.body)).toBeGreaterThan(0);
    expect(received.body.thinking).toBeDefined();
    expect(received.body.tools.map((tool: { name: string }) => tool.name)).toContain('Bash');
    expect(received.headers['anthropic-beta']).toContain('claude-code-20250219');
  }, runTimeoutMs);

  it('runs Bash in a tool round trip, the tool output reaching the provider in a request forwarded unchanged', async () => {
    const result = resultOf(await runClaudeCode(claude, relay.url, toolPrompt, ['--allowedTools', 'Bash']));

    expect(result).toMatchObject({ is_error: false, result: toolAnswer });
    expect(anthropic.requests).toHaveLength(2);
    for (const [index, received] of anthropic.requests.entries()) expectForwardedUnchanged(relay.requests[index]!, received, 'claude-scripted');
    const lastTurn = anthropic.requests[1]!.body.messages.at(-1);
    expect(lastTurn.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01ScriptedShellCall00001', cache_control: { type: 'ephemeral' } });
    expect(JSON.stringify(lastTurn.content[0].content)).toContain(shellOutput);
  }, runTimeoutMs);
});

describe('Claude Code through TokenPak to an OpenAI-format provider (translation)', () => {
  let chat: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    chat = await startScriptedChatFake();
    gw = await startTestGateway({
      providers: { chat: { type: 'openai-compatible', base_url: `${chat.url}/v1`, api_key: 'sk-chat-provider-key', health_check: { enabled: false } } },
      routing: { aliases: { [claudeCodeModel]: 'chat/gpt-scripted' } },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await chat?.close();
  });
  beforeEach(() => {
    chat.requests.length = 0;
  });

  it('answers a plain prompt from a chat completions stream', async () => {
    const result = resultOf(await runClaudeCode(claude, gw.server.url, plainPrompt));

    expect(result).toMatchObject({ is_error: false, result: plainAnswer });
    expect(chat.requests).toHaveLength(1);
    const received = chat.requests[0]!.body;
    expect(received).toMatchObject({ model: 'gpt-scripted', stream: true });
    expect(JSON.stringify(received.messages.filter((message: { role: string }) => message.role === 'user'))).toContain(plainPrompt);
  }, runTimeoutMs);

  it('runs Bash in a tool round trip, the tool output reaching the provider as a tool message', async () => {
    const result = resultOf(await runClaudeCode(claude, gw.server.url, toolPrompt, ['--allowedTools', 'Bash']));

    expect(result).toMatchObject({ is_error: false, result: toolAnswer });
    expect(chat.requests).toHaveLength(2);
    const messages = chat.requests[1]!.body.messages;
    const call = messages.find((message: { role: string }) => message.role === 'assistant')?.tool_calls?.[0];
    expect(call).toMatchObject({ id: 'call_ScriptedShellCall0001', type: 'function', function: { name: 'Bash' } });
    expect(JSON.parse(call.function.arguments)).toMatchObject({ command: shellCommand });
    const toolMessage = messages.find((message: { role: string }) => message.role === 'tool');
    expect(toolMessage).toMatchObject({ tool_call_id: 'call_ScriptedShellCall0001' });
    expect(JSON.stringify(toolMessage.content)).toContain(shellOutput);
  }, runTimeoutMs);
});
