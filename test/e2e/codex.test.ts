import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { plainAnswer, plainPrompt, shellCommand, shellOutput, startScriptedAnthropicFake, startScriptedResponsesFake, toolAnswer, toolPrompt } from '../fakes/agent-fakes.js';
import type { FakeServer, ReceivedRequest } from '../fakes/fake-server.js';
import { agentClients, agentInstallTimeoutMs, runCodex, type AgentRun } from '../support/agent-clients.js';
import { startTestGateway, type TestGateway } from '../support/harness.js';
import { startRecordingRelay } from '../support/recording-relay.js';

/** Each run is a real CLI session with up to two model turns; the CLI itself stops after 60 s. */
const runTimeoutMs = 120_000;
/** The model name in the Codex config (agent-clients.md), which the gateway's alias maps to the fake's. */
const codexModel = 'gpt-5';

/** `codex exec` prints the last agent message on stdout; fails with everything it printed when the run did not succeed. */
function finalMessageOf(run: AgentRun): string {
  expect(run.exitCode, `codex exited ${run.exitCode}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run.stdout.trim();
}

function functionOutputsOf(request: ReceivedRequest): Array<{ call_id: string; output: unknown }> {
  return request.body.input.filter((item: { type: string }) => item.type === 'function_call_output');
}

let codex: string;
beforeAll(async () => {
  ({ codex } = await agentClients());
}, agentInstallTimeoutMs);

describe('Codex through TokenPak to an OpenAI Responses provider (passthrough)', () => {
  let responses: FakeServer;
  let gw: TestGateway;
  let relay: FakeServer;

  beforeAll(async () => {
    responses = await startScriptedResponsesFake();
    gw = await startTestGateway({
      providers: { openai: { type: 'openai', base_url: `${responses.url}/v1`, api_key: 'sk-openai-provider-key' } },
      routing: { aliases: { [codexModel]: 'openai/gpt-scripted' } },
    });
    relay = await startRecordingRelay(gw.server.url);
  });
  afterAll(async () => {
    await relay?.close();
    await gw?.close();
    await responses?.close();
  });
  beforeEach(() => {
    responses.requests.length = 0;
    relay.requests.length = 0;
  });

  it('answers a plain prompt, the provider receiving the request as Codex sent it apart from the model', async () => {
    expect(finalMessageOf(await runCodex(codex, `${relay.url}/v1`, plainPrompt))).toBe(plainAnswer);

    expect(responses.requests).toHaveLength(1);
    const [sent, received] = [relay.requests[0]!, responses.requests[0]!];
    expect(received.path).toBe('/v1/responses');
    expect(sent.body.model).toBe(codexModel);
    expect(received.body).toEqual({ ...sent.body, model: 'gpt-scripted' });
    expect(received.headers.authorization).toBe('Bearer sk-openai-provider-key');
  }, runTimeoutMs);

  it('runs its shell tool in a round trip, the function_call_output reaching the provider', async () => {
    expect(finalMessageOf(await runCodex(codex, `${relay.url}/v1`, toolPrompt))).toBe(toolAnswer);

    expect(responses.requests).toHaveLength(2);
    for (const [index, received] of responses.requests.entries()) expect(received.body).toEqual({ ...relay.requests[index]!.body, model: 'gpt-scripted' });
    const [output] = functionOutputsOf(responses.requests[1]!);
    expect(output).toMatchObject({ call_id: 'call_ScriptedShellCall0001' });
    expect(JSON.stringify(output!.output)).toContain(shellOutput);
  }, runTimeoutMs);
});

describe('Codex through TokenPak to an Anthropic provider (translation)', () => {
  let anthropic: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    anthropic = await startScriptedAnthropicFake();
    gw = await startTestGateway({
      providers: { claude: { type: 'anthropic', base_url: `${anthropic.url}/v1`, api_key: 'sk-ant-provider-key' } },
      routing: { aliases: { [codexModel]: 'claude/claude-scripted' } },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await anthropic?.close();
  });
  beforeEach(() => {
    anthropic.requests.length = 0;
  });

  it('answers a plain prompt from a Messages stream', async () => {
    expect(finalMessageOf(await runCodex(codex, gw.baseURL, plainPrompt))).toBe(plainAnswer);

    expect(anthropic.requests).toHaveLength(1);
    const received = anthropic.requests[0]!.body;
    expect(received).toMatchObject({ model: 'claude-scripted', stream: true });
    expect(JSON.stringify(received.messages)).toContain(plainPrompt);
  }, runTimeoutMs);

  it('runs its shell tool in a round trip, the function_call_output reaching the provider as a tool_result', async () => {
    expect(finalMessageOf(await runCodex(codex, gw.baseURL, toolPrompt))).toBe(toolAnswer);

    expect(anthropic.requests).toHaveLength(2);
    const turns = anthropic.requests[1]!.body.messages.filter((message: { role: string }) => message.role !== 'system');
    const toolUse = turns.at(-2).content.find((block: { type: string }) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ id: 'toolu_01ScriptedShellCall00001', name: 'exec_command', input: { cmd: shellCommand } });
    const toolResult = turns.at(-1).content.find((block: { type: string }) => block.type === 'tool_result');
    expect(toolResult).toMatchObject({ tool_use_id: 'toolu_01ScriptedShellCall00001' });
    expect(JSON.stringify(toolResult.content)).toContain(shellOutput);
  }, runTimeoutMs);
});
