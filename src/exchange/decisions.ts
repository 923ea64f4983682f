// Policy events and denials as audit decisions: the structured "why" of a request, one entry per guardrail
// outcome, tool denial or refusal.
import type { AuditDecision, AuditPhase } from "../telemetry/audit.js";
import type { Role, SegmentKind } from "./model.js";
import type { Denial, PolicyEvent } from "../policies/types.js";
import type { RequestPhase } from "../envoy/types.js";

const GUARDRAIL_PHASE: Record<string, AuditPhase> = { pre: "request_body", post: "response_body" };

export function auditPhase(phase: RequestPhase): AuditPhase {
  if (phase === "request_trailers") return "request_body";
  if (phase === "response_trailers") return "response_body";
  return phase;
}

/** The decision an event records, if it is one (other events are only span events). */
export function decisionOf(event: PolicyEvent, phase: RequestPhase): AuditDecision | undefined {
  const a = event.attributes;
  if (event.name.startsWith("guardrail.")) {
    const decision: AuditDecision = {
      policy: "guardrails",
      evaluator: String(a.evaluator),
      phase: GUARDRAIL_PHASE[String(a.phase)] ?? auditPhase(phase),
      action: event.name.slice("guardrail.".length),
    };
    if (typeof a.score === "number") decision.score = a.score;
    if (typeof a.threshold === "number") decision.threshold = a.threshold;
    if (typeof a.segment === "string") {
      decision.segment = { kind: a.segment as SegmentKind };
      if (typeof a["segment.role"] === "string") decision.segment.role = a["segment.role"] as Role;
      if (typeof a["segment.index"] === "number") decision.segment.index = a["segment.index"];
      if (typeof a["segment.tool"] === "string") decision.segment.tool = a["segment.tool"];
    }
    return decision;
  }
  if (event.name === "mcp.tool_denied") {
    return { policy: "mcp", phase: auditPhase(phase), action: "deny", code: "tool_not_allowed", segment: { kind: "tool_args", tool: String(a.tool) } };
  }
  return undefined;
}

export function denialDecision(denial: Denial, by: string | undefined, phase: RequestPhase): AuditDecision {
  return { policy: by ?? "exchange", phase: auditPhase(phase), action: "deny", code: denial.code };
}
