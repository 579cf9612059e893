import { Agent, request } from 'undici';
import type { WebhookConfig } from '../../config/observability-schema.js';
import { signWebhookBody, webhookSignatureHeader } from './webhook-signature.js';

/** Error bodies from a receiver are not needed: at most this much is read before the connection is dropped. */
const maxDiscardedBodyBytes = 64 * 1024;

/** A delivery's outcome; `reason` names a failure without any URL, header or body in it. */
export type DeliveryResult = { delivered: true } | { delivered: false; reason: string };

/**
 * One receiver's URL behind its own keep-alive agent, bounded by `timeout_ms`
 * for connecting, for the response headers and between body pieces. POSTs a
 * body, signed at the moment it is sent; a 2xx is a delivery, anything else
 * (another status, a network error, a timeout, an abort) is not.
 */
export class WebhookEndpoint {
  private readonly agent: Agent;

  constructor(private readonly config: WebhookConfig) {
    this.agent = new Agent({
      connect: { timeout: config.timeout_ms },
      headersTimeout: config.timeout_ms,
      bodyTimeout: config.timeout_ms,
    });
  }

  async post(body: string, nowMs: number, signal: AbortSignal): Promise<DeliveryResult> {
    try {
      const response = await request(this.config.url, {
        method: 'POST',
        dispatcher: this.agent,
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tokenpak',
          [webhookSignatureHeader]: signWebhookBody(this.config.secret, body, Math.floor(nowMs / 1000)),
        },
        body,
      });
      await response.body.dump({ limit: maxDiscardedBodyBytes }).catch(() => undefined);
      if (response.statusCode >= 200 && response.statusCode < 300) return { delivered: true };
      return { delivered: false, reason: `status ${response.statusCode}` };
    } catch (error) {
      return { delivered: false, reason: failureName(error) };
    }
  }

  /** Closes the connections at once, aborting what is still in flight. */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }
}

function failureName(error: unknown): string {
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'error';
}
