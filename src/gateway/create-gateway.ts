import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import { validateConfig, validatedInCode, type LoadedConfig } from '../config/load.js';
import { loadConfigFromSource } from '../config/resolve-source.js';
import type { ConfigInput } from '../config/schema.js';
import { loadHooks } from '../hooks/load-hooks.js';
import { createLogger } from '../observability/logger.js';
import { builtinTypes, createAdapters, healthCheckEnabled } from '../providers/registry.js';
import { HealthChecker } from '../routing/health-checker.js';
import { ProviderHealth, type ForcedState } from '../routing/provider-health.js';
import { Router } from '../routing/router.js';
import { SavingsPolicy } from '../savings/savings-policy.js';
import { Budgets } from '../limits/budgets.js';
import { VirtualKeys } from '../limits/virtual-keys.js';
import { RateLimits } from '../limits/rate-limits.js';
import { LedgerUnavailableError, type UsageLedger } from '../usage/ledger.js';
import { openLedger } from '../usage/open-ledger.js';
import { ModelParamRules } from '../models/model-param-rules.js';
import { shippedParamRules } from '../models/shipped-param-rules.js';
import { Pricing } from '../usage/pricing.js';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, ModelInfo } from '../core/types.js';
import { createContext, type Operation, type RequestContext } from './context.js';
import type { DoorApi } from '../core/door-api.js';
import type { NativeRequest } from '../core/native.js';
import { GatewayError } from '../core/errors.js';
import { listRoutableModels } from './list-models.js';
import { runPipeline, type GatewayResult } from './pipeline.js';
import { noteAnswer } from './stages/note-answer.js';
import { recordRequest } from './stages/record-request.js';
import type { GatewayRuntime, Telemetry } from './runtime.js';
import { GatewayMetrics } from '../observability/metrics/gateway-metrics.js';
import { AuditLog } from '../observability/audit-log.js';
import { WebhookSender } from '../observability/webhooks/webhook-sender.js';
import { createTracer } from '../observability/tracing/create-tracer.js';
import type { RequestObserver } from '../observability/request-record.js';
import type { RequestSpan } from '../observability/request-trace.js';
import { SecretRedactor } from '../observability/secret-redactor.js';
import { withoutMessage } from '../observability/error-trace.js';
import { ResponseStore } from '../state/response-store.js';
import { openState } from '../state/open-state.js';
import { maxNestingDepth } from '../core/request-limits.js';
import { readSseEvents } from '../core/sse/read-sse-events.js';
import type { Door, DoorExchange } from '../doors/door.js';
import { decodeMessagesRequest } from '../doors/messages/decode-messages-request.js';
import { messagesDoor } from '../doors/messages/messages-door.js';
import { responsesDoor } from '../doors/responses/responses-door.js';
import { keyIdOf } from '../usage/key-id.js';
import { ChatStream } from './chat-stream.js';
import { countDoorTokens, type DoorTokenCount } from './count-door-tokens.js';
import { exceedsDepth } from './stages/json-depth.js';
import { authenticatedKey, requireModelAllowed } from './stages/authenticate.js';
import { abortSignalOf, type AbortLike } from '../core/light-signal.js';
import { StreamCaptureBudget } from '../cache/stream-capture-budget.js';

export interface GatewayOptions {
  /** A proxy.yaml to load. Without it and without `config`: `$TOKENPAK_CONFIG`, `./proxy.yaml`, or the embedded defaults. */
  configPath?: string;
  /** A config object in proxy.yaml's shape, instead of a file. */
  config?: ConfigInput;
  /** Where relative `adapters:` and `hooks:` paths of an in-code `config` resolve from; the working directory by default. */
  baseDir?: string;
  /** Environment for `${VAR}` interpolation and the embedded defaults; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** A pino logger; by default one on stdout at `logging.level`. */
  logger?: Logger;
  /** Load and check everything (modules included) without side effects: no ledger file, no health checks, no pricing refresh. */
  validateOnly?: boolean;
}

export interface RequestOptions {
  /** The client's API key: its hash scopes budgets and the cache; forwarded only to providers with `forward_client_key: true`. */
  apiKey?: string;
  /** Request headers (lower-case names) for adapters that pass some through. */
  headers?: Record<string, string | string[] | undefined>;
  /** Abort the request (and its upstream call): an `AbortSignal`, or the HTTP door's cheaper `LightSignal`. */
  signal?: AbortLike;
  requestId?: string;
  /** The exact bytes `body` was parsed from, forwarded as they are to OpenAI-format upstreams. */
  rawBody?: Buffer;
}

/** What a door answered: a whole answer's JSON, or its stream's SSE frames (and the frame that ends one that fails). */
export type DoorOutcome =
  | { ctx: RequestContext; json: unknown }
  | { ctx: RequestContext; frames: AsyncIterable<string | Buffer>; errorFrame: (error: GatewayError) => string };

/** A door's answer in the SDK: its JSON, or its stream's events, parsed. */
export type DoorAnswer = Record<string, unknown> | AsyncIterable<Record<string, unknown>>;

interface ChatCompletions {
  create(body: ChatRequest & { stream: true }, options?: RequestOptions): Promise<AsyncIterable<ChatChunk>>;
  create(body: ChatRequest & { stream?: false | null }, options?: RequestOptions): Promise<ChatResponse>;
  create(body: ChatRequest, options?: RequestOptions): Promise<ChatResponse | AsyncIterable<ChatChunk>>;
}

/** The gateway as a library: the same pipeline the HTTP server runs, without the HTTP hop. */
export class Gateway {
  readonly chat: { completions: ChatCompletions };
  readonly embeddings: { create(body: EmbeddingRequest, options?: RequestOptions): Promise<EmbeddingResponse> };
  readonly models: { list(options?: RequestOptions): Promise<{ object: 'list'; data: ModelInfo[] }> };
  /** Anthropic's Messages API, as `/v1/messages` serves it: a Message, or its stream's events. */
  readonly messages: {
    create(body: Record<string, unknown>, options?: RequestOptions): Promise<DoorAnswer>;
    countTokens(body: Record<string, unknown>, options?: RequestOptions): Promise<{ input_tokens: number }>;
  };
  /** OpenAI's Responses API, as `/v1/responses` serves it: a Response, or its stream's events. */
  readonly responses: { create(body: Record<string, unknown>, options?: RequestOptions): Promise<DoorAnswer> };
  private closed = false;

  constructor(
    readonly runtime: GatewayRuntime,
    readonly source: { file?: string },
    /** Writes buffered log lines; also stops the logger's flush timer when the gateway created it. */
    private readonly closeLogger: () => Promise<void> | void,
    /** Delivers what the webhooks hold, within their timeouts. */
    private readonly closeWebhooks: () => Promise<void> = async () => undefined,
  ) {
    this.chat = { completions: { create: ((body: ChatRequest, options?: RequestOptions) => this.handle('chat', body, options)) as ChatCompletions['create'] } };
    this.embeddings = { create: (body, options) => this.handle('embeddings', body, options) as Promise<EmbeddingResponse> };
    this.messages = {
      create: (body, options) => this.viaDoor(messagesDoor, body, options),
      countTokens: async (body, options) => ({ input_tokens: (await this.countMessageTokens(body, options)).tokens }),
    };
    this.responses = { create: (body, options) => this.viaDoor(responsesDoor, body, options) };
    this.models = {
      list: async (options = {}) => ({
        object: 'list',
        data: await listRoutableModels(this.runtime, {
          clientApiKey: options.apiKey,
          signal: options.signal && abortSignalOf(options.signal),
          virtualKey: await authenticatedKey(this.runtime, options.apiKey),
        }),
      }),
    };
  }

  get config(): GatewayRuntime['config'] {
    return this.runtime.config;
  }

  /** Runs one request through the pipeline and answers what the HTTP endpoint would. */
  async handle(operation: Operation, body: unknown, options: RequestOptions = {}): Promise<GatewayResult> {
    return (await this.execute(operation, body, options)).result;
  }

  /**
   * Like `handle`, also returning the request's context (the HTTP door reads the
   * provider and request id from it). `door` says which API the request came
   * in through, and carries its own form of the request (see `NativeRequest`).
   */
  async execute(
    operation: Operation,
    body: unknown,
    options: RequestOptions = {},
    door: { api: DoorApi; native: NativeRequest | undefined } = { api: operation, native: undefined },
  ): Promise<{ ctx: RequestContext; result: GatewayResult }> {
    const id = options.requestId ?? randomUUID();
    try {
      requireJsonObject(body);
    } catch (error) {
      await this.recordUnreadable(door.api, { ...options, requestId: id }, error as GatewayError);
      throw error;
    }
    const ctx = createContext({
      id,
      operation,
      api: door.api,
      native: door.native,
      request: body as ChatRequest | EmbeddingRequest,
      rawBody: options.rawBody,
      clientApiKey: options.apiKey,
      headers: options.headers,
      clientSignal: options.signal,
      span: this.startSpan(id, operation, door.api, body, options),
    });
    return { ctx, result: await runPipeline(ctx, this.runtime) };
  }

  /**
   * One request through a door: its body decoded (a refusal recorded), run
   * through the pipeline, and its answer encoded in the door's shapes. Both
   * the HTTP server and the SDK methods above come through here.
   */
  async callDoor(door: Door, body: unknown, options: RequestOptions & { bodyBytes?: number } = {}): Promise<DoorOutcome> {
    const requestId = options.requestId ?? randomUUID();
    let checked: Record<string, unknown>;
    try {
      checked = checkedDoorBody(door, body);
    } catch (error) {
      if (GatewayError.is(error)) await this.recordUnreadable(door.api, { requestId, apiKey: options.apiKey, headers: options.headers }, error);
      throw error;
    }
    const bodyBytes = options.bodyBytes ?? Buffer.byteLength(JSON.stringify(checked));
    let exchange: DoorExchange;
    try {
      exchange = door.open(checked, { runtime: this.runtime, requestId, keyId: keyIdOf(options.apiKey), bodyBytes });
    } catch (error) {
      if (GatewayError.is(error)) await this.recordRefused(door.api, checked, { requestId, apiKey: options.apiKey, headers: options.headers }, error);
      throw error;
    }
    const { ctx, result } = await this.execute(
      door.operation,
      exchange.request,
      { ...options, requestId, rawBody: door.forwardsRawBody ? options.rawBody : undefined },
      { api: door.api, native: exchange.native },
    );
    if (result instanceof ChatStream) return { ctx, frames: exchange.stream(result), errorFrame: exchange.streamError };
    return { ctx, json: exchange.respond(result) };
  }

  /** Anthropic's count of a Messages request's prompt, by the provider its model routes to, and how it was made. Nothing is charged or recorded. */
  async countMessageTokens(body: unknown, options: RequestOptions = {}): Promise<DoorTokenCount> {
    const virtualKey = await authenticatedKey(this.runtime, options.apiKey);
    const checked = checkedDoorBody(messagesDoor, body);
    const { request } = decodeMessagesRequest(checked, { counting: true });
    if (virtualKey) requireModelAllowed(this.runtime, virtualKey, request.model);
    return countDoorTokens(this.runtime, request, { api: 'messages', body: checked }, {
      clientApiKey: options.apiKey,
      virtualKey,
      headers: options.headers ?? {},
      signal: options.signal ? abortSignalOf(options.signal) : new AbortController().signal,
    });
  }

  /** Records a request its door refused before the pipeline saw it (a body it could not decode), as the pipeline records those it refuses. */
  async recordRefused(api: DoorApi, body: Record<string, unknown>, options: RequestOptions, error: GatewayError): Promise<void> {
    await recordRequest(this.refusedContext(api, body, options), this.runtime, error.status, { error });
  }

  /**
   * Tells the metrics, the audit log, the webhooks and the trace of a request
   * whose body was no JSON object (unreadable, too large, not JSON): it has no
   * ledger row, since it asked for nothing that could be charged.
   */
  async recordUnreadable(api: DoorApi, options: RequestOptions, error: GatewayError): Promise<void> {
    await recordRequest(this.refusedContext(api, {}, options), this.runtime, error.status, { error, ledger: false });
  }

  private refusedContext(api: DoorApi, body: Record<string, unknown>, options: RequestOptions): RequestContext {
    const id = options.requestId ?? randomUUID();
    const operation = api === 'embeddings' ? 'embeddings' : 'chat';
    const ctx = createContext({
      id,
      operation,
      api,
      request: { ...body, model: typeof body.model === 'string' ? body.model : '' } as ChatRequest,
      clientApiKey: options.apiKey,
      span: this.startSpan(id, operation, api, body, options),
    });
    noteAnswer(ctx, undefined);
    return ctx;
  }

  private startSpan(id: string, operation: Operation, api: DoorApi, body: Record<string, unknown>, options: RequestOptions): RequestSpan | undefined {
    const { tracer } = this.runtime.telemetry;
    if (!tracer) return undefined;
    return tracer.start({
      requestId: id,
      api,
      operation,
      // The client's text: a key of its own put there stays out of the trace.
      model: typeof body.model === 'string' ? this.runtime.secrets.clean(body.model, options.apiKey) : '',
      stream: body.stream === true,
      headers: options.headers ?? {},
      startTimeMs: performance.timeOrigin + performance.now(),
    });
  }

  /** An operator's forced state for a provider, here and (with shared state) on every replica. */
  async forceProvider(provider: string, state: ForcedState | 'auto'): Promise<void> {
    this.runtime.health.force(provider, state);
    if (state !== 'down') this.runtime.rateLimits.providers.clearPauses(provider);
    await this.runtime.state.providerStates?.publish({ kind: 'forced', provider, state });
  }

  /** A provider can take traffic: not forced down, breaker not open. */
  isReady(): boolean {
    return !this.closed && this.runtime.health.anyUsable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.runtime.healthChecker.stop();
    this.runtime.pricing.stop();
    await Promise.all([...this.runtime.adapters.values()].map((adapter) => adapter.close()));
    await this.runtime.state.close();
    await this.runtime.ledger.close();
    // A receiver or collector that is down loses what it was owed, never the log's last lines.
    const flushed = await Promise.allSettled([this.closeWebhooks(), this.runtime.telemetry.tracer?.shutdown()]);
    for (const outcome of flushed) {
      if (outcome.status === 'rejected') this.runtime.logger.warn({ cause: withoutMessage(outcome.reason) }, 'a webhook or the trace exporter could not deliver what it held at shutdown');
    }
    await this.closeLogger();
  }

  private async viaDoor(door: Door, body: unknown, options?: RequestOptions): Promise<DoorAnswer> {
    const outcome = await this.callDoor(door, body, options);
    return 'json' in outcome ? (outcome.json as Record<string, unknown>) : parsedEvents(outcome.frames);
  }
}

/** The SDK's view of a door's stream: each SSE event's JSON, as its API's own clients parse them. */
async function* parsedEvents(frames: AsyncIterable<string | Buffer>): AsyncGenerator<Record<string, unknown>> {
  for await (const { data } of readSseEvents(asBuffers(frames), 'tokenpak')) yield JSON.parse(data) as Record<string, unknown>;
}

async function* asBuffers(frames: AsyncIterable<string | Buffer>): AsyncGenerator<Buffer> {
  for await (const frame of frames) yield typeof frame === 'string' ? Buffer.from(frame) : frame;
}

/**
 * A door's body: a JSON object. A door that translates walks its body (and the
 * cache key walks all of it), so one nested deeper than any real request is
 * refused before either does; the canonical doors' bodies are checked by the
 * pipeline's validation.
 */
function checkedDoorBody(door: Door, body: unknown): Record<string, unknown> {
  requireJsonObject(body);
  if (!door.forwardsRawBody && exceedsDepth(body, maxNestingDepth)) {
    throw new GatewayError(400, `The request body is nested more than ${maxNestingDepth} levels deep.`, { code: 'invalid_request' });
  }
  return body;
}

export function requireJsonObject(body: unknown): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError(400, 'The request body must be a JSON object.', { code: 'invalid_request' });
  }
}

export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const env = options.env ?? process.env;
  const loaded: LoadedConfig = options.config
    ? validatedInCode(validateConfig(options.config, { builtinTypes, env }), options.baseDir ?? process.cwd())
    : await loadConfigFromSource({ configPath: options.configPath, env, builtinTypes });
  const { config } = loaded;
  const sideEffectFree = options.validateOnly === true;
  // The metrics count what the logger and the webhooks drop; they are made once the providers' health exists.
  let metrics: GatewayMetrics | undefined;
  const suppliedLogger = options.logger;
  const { logger, close: closeLogger } = suppliedLogger
    ? { logger: suppliedLogger, close: () => suppliedLogger.flush() }
    : await createLogger(loggingFor(config.logging, loaded.baseDir, sideEffectFree), { onDropped: (count) => metrics?.logLinesDropped(count) });
  const hooks = await loadHooks(loaded);
  const adapters = await createAdapters(loaded, logger);
  const router = new Router(config.routing, new Set(adapters.keys()));
  const savings = new SavingsPolicy(config);
  const paramRules = new ModelParamRules(shippedParamRules, Object.fromEntries(Object.entries(config.models).map(([model, settings]) => [model, settings.params])));
  const dbPath = config.usage.db_path;
  const ledgerPath = sideEffectFree || dbPath === ':memory:' ? ':memory:' : path.resolve(loaded.baseDir, dbPath);
  const state = await openState(config, { logger, ledgerPath, sideEffectFree });
  const providerStates = state.providerStates;
  // A breaker that opens here opens on every replica; what others publish is applied here without being published again.
  const health = new ProviderHealth(config.providers, Date.now, providerStates && { onOpened: (provider, until) => void providerStates.publish({ kind: 'opened', provider, until }) });
  await providerStates?.subscribe((event) => health.applyRemote(event));
  const pricing = await Pricing.load(config.pricing, loaded.baseDir, logger, { refresh: !sideEffectFree });
  // A check of the config connects to no database.
  const ledger = await openLedger(sideEffectFree ? { ...config.usage, backend: 'sqlite' } : config.usage, { logger, sqlitePath: ledgerPath, prune: !sideEffectFree });
  const keys = await VirtualKeys.open(state.keys, config.keys, {
    onSyncFailed: (error) => logger.warn({ cause: withoutMessage(error) }, "shared state: proxy.yaml's keys could not be written to it; they work from memory meanwhile"),
  });
  const budgets = new Budgets(config.cost_control, state.budgets);
  await seedBudgets(budgets, ledger, config, logger);
  const clientKeyedProviders = new Set(Object.entries(config.providers).filter(([, provider]) => provider.forward_client_key && !provider.api_key).map(([name]) => name));
  const rateLimits = new RateLimits(config.rate_limits, state.limits, { clientKeyedProviders });
  const cache = state.cache;
  const healthChecker = new HealthChecker(health, logger);
  if (!sideEffectFree) healthChecker.start([...adapters.values()].filter((adapter) => healthCheckEnabled(adapter.options)));
  const secrets = new SecretRedactor(config);
  const { store } = config.responses;
  const responseStore = new ResponseStore({ maxEntries: store.max_entries, maxBytes: store.max_bytes, ttlMs: store.ttl_seconds * 1000 });
  if (config.metrics.enabled) {
    const providerTypes = new Map([...adapters.values()].map((adapter) => [adapter.name, adapter.options.type]));
    metrics = new GatewayMetrics({ config: config.metrics, providers: providerTypes, health, budgets, state, ledger });
  }
  const webhooks = sideEffectFree ? [] : config.webhooks.map((webhook) => new WebhookSender(webhook, { logger, onDropped: (count) => metrics?.webhookRecordsDropped(count) }));
  const telemetry = await telemetryFor(config, logger, metrics, webhooks, sideEffectFree);
  return new Gateway(
    { config, adapters, router, savings, health, healthChecker, hooks, pricing, paramRules, ledger, budgets, rateLimits, keys, state, cache, captureBudget: new StreamCaptureBudget(config.cache.max_bytes), logger, secrets, responseStore, metrics, telemetry },
    { file: loaded.file },
    closeLogger,
    async () => {
      await Promise.all(webhooks.map((webhook) => webhook.close()));
    },
  );
}

/** Who hears of each request; the audit log only when its level is on, the prompt's hash only when something keeps it. */
async function telemetryFor(
  config: GatewayRuntime['config'],
  logger: Logger,
  metrics: GatewayMetrics | undefined,
  webhooks: WebhookSender[],
  sideEffectFree: boolean,
): Promise<Telemetry> {
  const auditLog = logger.isLevelEnabled('info') ? new AuditLog(logger, config.logging.include_content) : undefined;
  const observers: RequestObserver[] = [];
  if (metrics) observers.push(metrics);
  if (auditLog) observers.push(auditLog);
  observers.push(...webhooks);
  return {
    observers,
    tracer: sideEffectFree ? undefined : await createTracer(config.tracing, logger),
    hashPrompts: auditLog !== undefined || webhooks.length > 0,
    includeContent: auditLog !== undefined && config.logging.include_content,
  };
}

/** A relative `logging.file` is beside the config, as `usage.db_path` is; a check of the config opens no file. */
function loggingFor(logging: GatewayRuntime['config']['logging'], baseDir: string, sideEffectFree: boolean): GatewayRuntime['config']['logging'] {
  if (!logging.file) return logging;
  return { ...logging, file: sideEffectFree ? undefined : path.resolve(baseDir, logging.file) };
}

/**
 * Today's spend, and this month's of virtual keys (their ids start `key_`), from the ledger: a restart forgets nothing spent.
 * A PostgreSQL ledger that cannot be read at start-up stops a gateway whose budgets live in its own memory (it would start
 * from zero spend); with Redis state the budgets are already held there, so the gateway starts and says so.
 */
async function seedBudgets(budgets: Budgets, ledger: UsageLedger, config: GatewayRuntime['config'], logger: Logger): Promise<void> {
  let month, today;
  try {
    month = await ledger.spendSince(Budgets.monthStart());
    today = await ledger.spendSince(Budgets.todayStart());
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    const budgetsInMemory = config.state.backend === 'memory' && (budgets.enabled || config.keys.some((key) => key.budget !== undefined));
    if (budgetsInMemory) {
      await ledger.close();
      throw new Error(`${error.message}: budgets are on and held in this process (state.backend: memory), and cannot resume today's spend without it; start once PostgreSQL answers, or use state.backend: redis`);
    }
    logger.warn('the usage ledger cannot be read at start-up: budgets resume from what the shared state holds');
    return;
  }
  const virtualKeyIds = [...month.byKey.keys()].filter((keyId) => keyId.startsWith('key_'));
  await budgets.seed(today, month, virtualKeyIds);
}
