// Prometheus metrics (prom-client). One Registry per process (tests build their own), default process metrics
// included so CPU and memory per replica are visible next to ours.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  requests: Counter<"route" | "endpoint" | "decision">;
  phaseDuration: Histogram<"phase">;
  streamErrors: Counter<"reason">;
  configReloads: Counter<"result">;
  policyFailures: Counter<"policy" | "phase" | "fail_mode" | "reason">;
  authzChecks: Counter<"decision" | "reason">;
  inflightStreams: Gauge;
  guardrailEvaluations: Counter<"evaluator" | "outcome" | "route" | "phase">;
  guardrailBlockedRequests: Counter<"route" | "phase">;
  guardrailLatency: Histogram<"evaluator">;
  guardrailHeldChars: Histogram;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "tollgate_requests_total",
      help: "Requests seen by ext_proc, by route, endpoint and final decision (allowed, denied, failed, cancelled).",
      labelNames: ["route", "endpoint", "decision"],
      registers,
    }),
    phaseDuration: new Histogram({
      name: "tollgate_phase_duration_seconds",
      help: "Time Tollgate spent on one ext_proc message, by phase.",
      labelNames: ["phase"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25],
      registers,
    }),
    streamErrors: new Counter({
      name: "tollgate_stream_errors_total",
      help: "ext_proc streams that ended abnormally, by reason (cancelled, protocol, internal).",
      labelNames: ["reason"],
      registers,
    }),
    configReloads: new Counter({
      name: "tollgate_config_reloads_total",
      help: "Config reload attempts by result (success, failure).",
      labelNames: ["result"],
      registers,
    }),
    policyFailures: new Counter({
      name: "tollgate_policy_failures_total",
      help: "Policy hooks that overran the phase budget or threw, by policy, phase and the fail mode applied.",
      labelNames: ["policy", "phase", "fail_mode", "reason"],
      registers,
    }),
    authzChecks: new Counter({
      name: "tollgate_authz_checks_total",
      help: "ext_authz Check decisions.",
      labelNames: ["decision", "reason"],
      registers,
    }),
    inflightStreams: new Gauge({
      name: "tollgate_inflight_streams",
      help: "ext_proc streams currently open.",
      registers,
    }),
    guardrailEvaluations: new Counter({
      name: "tollgate_guardrail_evaluations_total",
      help: "Guardrail evaluations by evaluator, outcome (clean, block, redact, flag), route and phase (pre, post).",
      labelNames: ["evaluator", "outcome", "route", "phase"],
      registers,
    }),
    guardrailBlockedRequests: new Counter({
      name: "tollgate_guardrail_blocked_requests_total",
      help: "Requests a guardrail blocked, by route and phase; divide by tollgate_requests_total for the block rate.",
      labelNames: ["route", "phase"],
      registers,
    }),
    guardrailLatency: new Histogram({
      name: "tollgate_guardrail_evaluator_seconds",
      help: "Time one evaluator took on one piece of text.",
      labelNames: ["evaluator"],
      buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers,
    }),
    guardrailHeldChars: new Histogram({
      name: "tollgate_guardrail_held_chars",
      help: "Characters of streamed output held back by post-guardrails after each chunk.",
      buckets: [0, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers,
    }),
  };
}
