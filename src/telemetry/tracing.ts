// OpenTelemetry tracing: one span per request, continuing the trace Envoy propagates in `traceparent`, with GenAI
// semantic-convention attributes and one event per policy outcome worth recording. Export is OTLP/HTTP when
// configured; without an exporter the API's no-op tracer costs next to nothing.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, TraceIdRatioBasedSampler, ParentBasedSampler, type SpanExporter } from "@opentelemetry/sdk-trace-base";

/**
 * GenAI attribute names (OpenTelemetry semantic conventions, gen-ai registry). They are still "incubating", so the
 * names are spelled here rather than imported from the unstable entry point, which may drop them without notice.
 */
export const GENAI = {
  operation: "gen_ai.operation.name",
  provider: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  requestMaxTokens: "gen_ai.request.max_tokens",
  responseModel: "gen_ai.response.model",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  toolName: "gen_ai.tool.name",
} as const;

export interface TracingConfig {
  exporter: "none" | "otlp";
  otlp_endpoint?: string | undefined;
  sample_ratio: number;
  service_name: string;
}

export interface Tracing {
  tracer: Tracer;
  /** Starts a request span as the child of the caller's traceparent, if any. */
  startRequestSpan(name: string, headers: ReadonlyMap<string, string>, attributes: Attributes): Span;
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  get: (carrier: ReadonlyMap<string, string>, key: string) => carrier.get(key),
  keys: (carrier: ReadonlyMap<string, string>) => [...carrier.keys()],
};

/** `exporter` replaces the configured one (tests pass an in-memory exporter and get synchronous export). */
export function createTracing(cfg: TracingConfig, exporter?: SpanExporter): Tracing {
  let provider: BasicTracerProvider | undefined;
  if (exporter || cfg.exporter === "otlp") {
    const processor = exporter
      ? new SimpleSpanProcessor(exporter)
      : new BatchSpanProcessor(new OTLPTraceExporter(cfg.otlp_endpoint ? { url: cfg.otlp_endpoint } : {}));
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": cfg.service_name }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(cfg.sample_ratio) }),
      spanProcessors: [processor],
    });
  }
  const tracer = provider ? provider.getTracer("tollgate") : trace.getTracer("tollgate");
  return {
    tracer,
    startRequestSpan(name, headers, attributes) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
      return tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    },
    shutdown: async () => {
      await provider?.shutdown();
    },
  };
}

export function endSpan(span: Span, ok: boolean, message?: string): void {
  span.setStatus(ok ? { code: SpanStatusCode.UNSET } : { code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
  span.end();
}
