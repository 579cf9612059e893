// node bench/savings/build-corpus.mjs [--swe-agent <git dir>] [--mini-swe-agent <git dir>] [--tau-bench <git dir>]:
// rebuilds bench/savings/corpus/*.json from published agent trajectories (all MIT) at pinned commits, one source per
// git dir given (a clone or mirror holding the commit). Every message text is kept byte for byte; only the framing
// changes (SWE-agent's text-mode actions become tool calls, their observations tool results; fields the model was
// never sent are dropped) so the conversations read as OpenAI chat-completions traffic with tools.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sweAgent = {
  repository: 'SWE-agent/SWE-agent',
  commit: '3ea751c087f32b16e039a2233dd6eefecef325d5',
  licence: 'MIT (Copyright (c) 2024 John Yang, Carlos E. Jimenez, Alexander Wettig, Shunyu Yao, Karthik Narasimhan, Ofir Press)',
};

/** SWE-agent's own trajectories: corpus name → `.traj` path in SWE-agent/SWE-agent at `sweAgent.commit`. */
export const sweAgentTrajectories = {
  'swebench-pydicom-1458': 'tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1/pydicom__pydicom-1458.traj',
  'swe-agent-test-repo-i1': 'tests/test_data/trajectories/gpt4__swe-agent__test-repo__default_from_url__t-0.00__p-0.95__c-3.00__install-1/swe-agent__test-repo-i1.traj',
  'marshmallow-1867-function-calling': 'trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace_from_source/marshmallow-code__marshmallow-1867.traj',
  'marshmallow-1867-text-mode': 'trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__default__t-0.20__p-0.95__c-2.00__install-1___install_from_source/marshmallow-code__marshmallow-1867.traj',
  'ctf-web-i-got-id': 'trajectories/demonstrations/ctf/web/i_got_id_demo.traj',
  'ctf-crypto-katy': 'trajectories/demonstrations/ctf/crypto/katy.traj',
  'ctf-crypto-baby-encryption': 'trajectories/demonstrations/ctf/crypto/BabyEncryption.traj',
  'ctf-crypto-eps': 'trajectories/demonstrations/ctf/crypto/eps.traj',
  'ctf-rev-rock': 'trajectories/demonstrations/ctf/rev/rock.traj',
  'ctf-crypto-baby-time-capsule': 'trajectories/demonstrations/ctf/crypto/BabyTimeCapsule.traj',
};

// Text-mode SWE-agent documents its commands in the system prompt and parses one fenced command per answer;
// as an OpenAI-format client the same agent sends them through one tool (this definition is the converter's).
const textModeTool = {
  type: 'function',
  function: {
    name: 'bash',
    description: 'Runs one command of the special interface described in the system prompt (or any shell command) and returns its output.',
    parameters: { type: 'object', properties: { command: { type: 'string', description: 'The command line to run.' } }, required: ['command'] },
  },
};

/** Function tools from the `command_docs` a function-calling trajectory recorded (SWE-agent's own tool docs). */
export function toolsFromCommandDocs(commandDocs) {
  const tools = [];
  for (const block of commandDocs.split(/\n(?=[A-Za-z_][\w-]*:\n {2}docstring:)/)) {
    const name = block.slice(0, block.indexOf(':'));
    const docstring = /\n {2}docstring: ([\s\S]*?)\n {2}signature:/.exec(block)?.[1].trim() ?? '';
    const properties = {};
    const required = [];
    for (const [, argument, type, need, description] of block.matchAll(/^ {4}- (\S+) \((\w+)\) \[(required|optional)\]: (.*)$/gm)) {
      properties[argument] = { type, description };
      if (need === 'required') required.push(argument);
    }
    tools.push({ type: 'function', function: { name, description: docstring, parameters: { type: 'object', properties, required } } });
  }
  return tools;
}

/** One SWE-agent `.traj` history as an OpenAI chat-completions conversation. */
export function conversationFromTrajectory(trajectory) {
  const history = trajectory.history;
  const functionCalling = history.some((message) => message.tool_calls);
  const messages = [];
  let pendingCallId;
  let callNumber = 0;
  for (const message of history) {
    if (message.role === 'system') messages.push({ role: 'system', content: message.content });
    else if (message.role === 'assistant' && functionCalling) {
      messages.push({ role: 'assistant', content: message.content, tool_calls: message.tool_calls.map(({ id, type, function: call }) => ({ id, type, function: { name: call.name, arguments: call.arguments } })) });
    } else if (message.role === 'tool') messages.push({ role: 'tool', tool_call_id: message.tool_call_ids[0], content: message.content });
    else if (message.role === 'assistant') {
      pendingCallId = `call_${String(++callNumber).padStart(3, '0')}`;
      messages.push({ role: 'assistant', content: message.thought, tool_calls: [{ id: pendingCallId, type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command: message.action }) } }] });
    } else if (message.role === 'user' && pendingCallId) {
      messages.push({ role: 'tool', tool_call_id: pendingCallId, content: message.content });
      pendingCallId = undefined;
    } else messages.push({ role: 'user', content: message.content });
  }
  let tools = [textModeTool];
  if (functionCalling) {
    const replay = typeof trajectory.replay_config === 'string' ? JSON.parse(trajectory.replay_config) : trajectory.replay_config;
    tools = toolsFromCommandDocs(replay.agent.tools.command_docs);
  }
  return { tools, messages, functionCalling };
}

/**
 * mini-swe-agent (tool-calling mode, deepseek-chat) on SWE-bench: a run published in the repository's GitHub network
 * (a contributor's evaluation artefacts, commit below). Taken: the first `count` instances of the run in alphabetical
 * order of their directory names, whatever they cost or save.
 */
const miniSweAgent = {
  repository: 'SWE-agent/mini-swe-agent',
  commit: 'ec0e8e849fea5b1619deb1753007201000904672',
  run: 'output/deepseek_chat_test_1-100',
  count: 10,
  licence: 'MIT (Copyright (c) 2025 Kilian A. Lieret and Carlos E. Jimenez)',
  // mini-swe-agent's one tool (src/minisweagent/models/utils/actions_toolcall.py at the same commit), sent with every request.
  tools: [{ type: 'function', function: { name: 'bash', description: 'Execute a bash command', parameters: { type: 'object', properties: { command: { type: 'string', description: 'The bash command to execute' } }, required: ['command'] } } }],
};

/**
 * τ-bench's airline domain: gpt-4o as a customer-service agent whose tools answer in JSON. Taken: trial 0 of tasks
 * 0 to `count` − 1 of the published historical trajectories, whatever they cost or save.
 */
const tauBench = {
  repository: 'sierra-research/tau-bench',
  commit: '59a200c6d575d595120f1cb70fea53cef0632f6b',
  trajectories: 'historical_trajectories/gpt-4o-airline.json',
  toolsDirectory: 'tau_bench/envs/airline/tools',
  count: 10,
  licence: 'MIT (Copyright (c) 2024 Sierra)',
};

/** The message as the agent sent it to the model: only the chat-completions fields (no run metadata). */
export function sentMessage(message) {
  const sent = { role: message.role, content: message.content };
  if (message.tool_calls) sent.tool_calls = message.tool_calls.map(({ id, type, function: call }) => ({ id, type, function: { name: call.name, arguments: call.arguments } }));
  if (message.role === 'tool') sent.tool_call_id = message.tool_call_id;
  return sent;
}

/** A mini-swe-agent `.traj.json` as a conversation: its `messages` up to the end (the `exit` record was never sent). */
export function conversationFromMiniSweAgent(trajectory) {
  return { tools: miniSweAgent.tools, messages: trajectory.messages.filter((message) => message.role !== 'exit').map(sentMessage) };
}

/**
 * A τ-bench tool's `get_info()` schema from its Python source: the dict literal it returns, which is JSON but for
 * trailing commas and Python's booleans.
 */
export function toolFromTauBenchSource(source) {
  const literal = /def get_info\(\)[^:]*:\s*return (\{[\s\S]*\})\s*$/.exec(source)?.[1];
  if (!literal) throw new Error('no get_info() dict literal found');
  return JSON.parse(literal.replace(/,(\s*[}\]])/g, '$1').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false'));
}

function gitShow(gitDir, commit, file) {
  return execFileSync('git', ['--git-dir', gitDir, 'show', `${commit}:${file}`], { encoding: 'utf8', maxBuffer: 256 << 20 });
}

function gitList(gitDir, commit, directory) {
  return execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '--name-only', `${commit}:${directory}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

async function writeConversation(name, source, licence, { tools, messages }) {
  await writeFile(path.join(here, 'corpus', `${name}.json`), `${JSON.stringify({ name, source, licence, tools, messages })}\n`);
  console.log(`${name}: ${messages.length} messages, ${messages.filter((message) => message.role === 'assistant').length} requests`);
}

async function buildSweAgent(gitDir) {
  const { repository, commit, licence } = sweAgent;
  for (const [name, file] of Object.entries(sweAgentTrajectories)) {
    const { tools, messages, functionCalling } = conversationFromTrajectory(JSON.parse(gitShow(gitDir, commit, file)));
    const format = functionCalling ? 'function calling (tool calls as recorded)' : 'text mode (thought → content, action → bash tool call, observation → tool result)';
    await writeConversation(name, { repository, path: file, commit, format }, licence, { tools, messages });
  }
}

async function buildMiniSweAgent(gitDir) {
  const { repository, commit, run, count, licence } = miniSweAgent;
  const instances = gitList(gitDir, commit, run).sort().slice(0, count);
  for (const instance of instances) {
    const file = `${run}/${instance}/${instance}.traj.json`;
    const format = 'tool calling (messages as sent; run metadata dropped)';
    await writeConversation(`mini-swe-agent-${instance.replace(/^[^_]+__/, '')}`, { repository, path: file, commit, format }, licence, conversationFromMiniSweAgent(JSON.parse(gitShow(gitDir, commit, file))));
  }
}

async function buildTauBench(gitDir) {
  const { repository, commit, trajectories, toolsDirectory, count, licence } = tauBench;
  // The tools in the order the environment offers them (ALL_TOOLS in the package's __init__.py).
  const init = gitShow(gitDir, commit, `${toolsDirectory}/__init__.py`);
  const modules = new Map([...init.matchAll(/^from \.(\w+) import (\w+)$/gm)].map(([, module, className]) => [className, module]));
  const order = /ALL_TOOLS = \[([\s\S]*?)\]/.exec(init)[1].match(/\w+/g);
  const tools = order.map((className) => toolFromTauBenchSource(gitShow(gitDir, commit, `${toolsDirectory}/${modules.get(className)}.py`)));
  const runs = JSON.parse(gitShow(gitDir, commit, trajectories));
  for (let task = 0; task < count; task += 1) {
    const run = runs.find((candidate) => candidate.task_id === task && candidate.trial === 0);
    const source = { repository, path: trajectories, commit, entry: `task_id ${task}, trial 0`, format: 'tool calling (messages as sent; tool results keep their JSON text)' };
    await writeConversation(`tau-bench-airline-task-${String(task).padStart(2, '0')}`, source, licence, { tools, messages: run.traj.map(sentMessage) });
  }
}

const builders = { '--swe-agent': buildSweAgent, '--mini-swe-agent': buildMiniSweAgent, '--tau-bench': buildTauBench };

async function main() {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.length % 2 !== 0 || argv.some((argument, index) => index % 2 === 0 && !(argument in builders))) {
    throw new Error('usage: node bench/savings/build-corpus.mjs [--swe-agent <git dir>] [--mini-swe-agent <git dir>] [--tau-bench <git dir>]');
  }
  await mkdir(path.join(here, 'corpus'), { recursive: true });
  for (let index = 0; index < argv.length; index += 2) await builders[argv[index]](argv[index + 1]);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
