import type { GatewayConfig } from '../config/schema.js';
import { UpstreamError } from '../core/upstream-error.js';

const redacted = '[redacted]';
/** Shorter strings are no credential worth hiding, and replacing them would garble ordinary words. */
const minSecretLength = 6;
/** Configured provider headers whose values are credentials. */
const credentialHeader = /authorization|key|token|secret|password/i;

/**
 * Replaces every secret the gateway knows (provider keys and credential
 * headers, the admin key, proxy.yaml's virtual keys, the Redis and PostgreSQL passwords) and the client's own key with `[redacted]` in text
 * that came from an upstream: error messages may echo a request's headers or
 * body, and they reach clients, logs and mid-stream error events.
 */
export class SecretRedactor {
  private readonly secrets: string[];

  constructor(config: GatewayConfig) {
    const found = new Set<string>();
    if (config.admin.api_key) found.add(config.admin.api_key);
    for (const key of config.keys) if (key.key) found.add(key.key);
    for (const url of [config.state.redis_url, config.usage.postgres_url]) {
      const password = url === undefined ? undefined : passwordOf(url);
      if (password) found.add(password);
    }
    for (const provider of Object.values(config.providers)) {
      if (provider.api_key) found.add(provider.api_key);
      for (const [name, value] of Object.entries(provider.headers ?? {})) if (credentialHeader.test(name)) found.add(value);
    }
    // Longest first, so that a key that contains another is replaced whole.
    this.secrets = [...found].filter((secret) => secret.length >= minSecretLength).sort((a, b) => b.length - a.length);
  }

  clean(text: string, clientKey: string | undefined): string {
    let cleaned = text;
    if (holdsClientKey(cleaned, clientKey)) cleaned = cleaned.replaceAll(clientKey as string, redacted);
    for (const secret of this.secrets) if (cleaned.includes(secret)) cleaned = cleaned.replaceAll(secret, redacted);
    return cleaned;
  }

  /** The error as the client and the log may see it: the same error when it holds no secret, else a copy without them. */
  upstreamError(error: UpstreamError, clientKey: string | undefined): UpstreamError {
    const message = this.clean(error.message, clientKey);
    const code = error.code === null ? null : this.clean(error.code, clientKey);
    const param = error.param === null ? null : this.clean(error.param, clientKey);
    const type = this.clean(error.type, clientKey);
    if (message === error.message && code === error.code && param === error.param && type === error.type) return error;
    return new UpstreamError(error.provider, error.status, message, {
      type,
      code,
      param,
      headers: error.headers,
      failure: error.failure,
      upstreamStatus: error.upstreamStatus,
      cause: error.cause,
    });
  }
}

/** Whether `text` carries the client's key (a key too short to be one is never looked for: ordinary words would match it). */
export function holdsClientKey(text: string, clientKey: string | undefined): boolean {
  return clientKey !== undefined && clientKey.length >= minSecretLength && text.includes(clientKey);
}

/** The password of a Redis URL, as `redis://:password@host` or (as ioredis also reads it) `?password=`. */
function passwordOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || undefined;
  } catch {
    return undefined;
  }
}
