import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { Hooks } from '../hooks/load-hooks.js';
import type { BaseAdapter } from '../providers/base-adapter.js';
import type { HealthChecker } from '../routing/health-checker.js';
import type { ProviderHealth } from '../routing/provider-health.js';
import type { Router } from '../routing/router.js';
import type { ResponseCacheStore } from '../cache/response-cache-store.js';
import type { StreamCaptureBudget } from '../cache/stream-capture-budget.js';
import type { StateBackend } from '../state/state-backend.js';
import type { Budgets } from '../limits/budgets.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { VirtualKeys } from '../limits/virtual-keys.js';
import type { UsageLedger } from '../usage/ledger.js';
import type { Pricing } from '../usage/pricing.js';
import type { SecretRedactor } from '../observability/secret-redactor.js';
import type { ResponseStore } from '../state/response-store.js';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.js';
import type { RequestObserver } from '../observability/request-record.js';
import type { RequestTracer } from '../observability/request-trace.js';
import type { SavingsPolicy } from '../savings/savings-policy.js';
import type { ModelParamRules } from '../models/model-param-rules.js';

/** Who hears of each request: built once from `metrics`, `logging`, `webhooks` and `tracing`. */
export interface Telemetry {
  /** The metrics, the audit log and the webhooks, each told of every request at its end. */
  readonly observers: readonly RequestObserver[];
  /** Undefined when `tracing.otlp_endpoint` is not set: then no span is ever made. */
  readonly tracer: RequestTracer | undefined;
  /** Whether a record's `prompt_hash` is worth computing (an observer keeps it). */
  readonly hashPrompts: boolean;
  /** `logging.include_content`: the audit log is given the prompt and the answer. */
  readonly includeContent: boolean;
}

/** Everything the stages read, built once from the config at start-up and never changed after. */
export interface GatewayRuntime {
  readonly config: GatewayConfig;
  readonly adapters: ReadonlyMap<string, BaseAdapter>;
  readonly router: Router;
  /** Each route's `savings:` settings. */
  readonly savings: SavingsPolicy;
  readonly health: ProviderHealth;
  readonly healthChecker: HealthChecker;
  readonly hooks: Hooks;
  readonly pricing: Pricing;
  /** Which parameters each model takes: what every attempt's request is fitted to. */
  readonly paramRules: ModelParamRules;
  readonly ledger: UsageLedger;
  readonly budgets: Budgets;
  /** `rate_limits:` and the store of their buckets. */
  readonly rateLimits: RateLimits;
  /** The virtual keys (proxy.yaml's `keys:` and the admin API's). */
  readonly keys: VirtualKeys;
  /** What replicas share (`state.backend`): limits, budgets, keys, the cache, provider states. */
  readonly state: StateBackend;
  /** The state's response cache; undefined when `cache.enabled` is false. */
  readonly cache: ResponseCacheStore | undefined;
  /** What open streams may hold of their answers for the cache, all together. */
  readonly captureBudget: StreamCaptureBudget;
  readonly logger: Logger;
  /** Cleans upstream text of every secret before it reaches a client or a log. */
  readonly secrets: SecretRedactor;
  /** Conversations the Responses door keeps for `previous_response_id` when it translates. */
  readonly responseStore: ResponseStore;
  /** Undefined when `metrics.enabled` is false. */
  readonly metrics: GatewayMetrics | undefined;
  readonly telemetry: Telemetry;
}
