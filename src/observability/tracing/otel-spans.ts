import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapSetter,
  trace,
  type Context,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import type { AttemptRecord, RequestRecord } from '../request-record.js';
import type { AttemptSpan, RequestSpan, TraceStart } from '../request-trace.js';
import {
  attemptEndAttributes,
  attemptStartAttributes,
  genAiSpanName,
  isAttemptError,
  isServerSpanError,
  requestEndAttributes,
} from './span-attributes.js';

/**
 * The clock of `TraceStart.startTimeMs`. Every span time is given on it: the
 * SDK would otherwise mix it with `Date.now()`, and the two drift apart in a
 * long-running process, which would draw attempts outside their request.
 */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class OtelRequestSpan implements RequestSpan {
  private readonly context: Context;

  constructor(
    private readonly tracer: Tracer,
    private readonly propagator: TextMapPropagator,
    private readonly request: TraceStart,
    private readonly span: Span,
  ) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  attempt(provider: string, providerType: string, model: string): AttemptSpan {
    const span = this.tracer.startSpan(
      genAiSpanName(this.request.operation, model),
      { kind: SpanKind.CLIENT, startTime: nowMs(), attributes: attemptStartAttributes(provider, providerType, model) },
      this.context,
    );
    const headers: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return new OtelAttemptSpan(span, headers);
  }

  end(record: RequestRecord): void {
    const span = this.span;
    if (span.isRecording()) {
      span.setAttributes(requestEndAttributes(record));
      if (isServerSpanError(record)) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(this.request.startTimeMs + record.latency_ms);
  }
}

class OtelAttemptSpan implements AttemptSpan {
  constructor(
    private readonly span: Span,
    readonly headers: Readonly<Record<string, string>>,
  ) {}

  end(attempt: AttemptRecord): void {
    const span = this.span;
    if (span.isRecording()) {
      span.setAttributes(attemptEndAttributes(attempt));
      if (isAttemptError(attempt)) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(nowMs());
  }
}
