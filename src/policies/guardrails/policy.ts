// Guardrails in the data path. Pre: every request segment (user messages, opt-in system prompt, retrieved context,
// tool arguments) is judged on its own, ProtectFlash first; a block never reaches the provider, a redaction
// rewrites the body the provider sees. Post: buffered answers are judged whole and rewritten or replaced; streamed
// answers go through a hold-back window so nothing flagged reaches the client. A suspicious-but-not-blocked pre
// score tightens the post-guardrails of that request. Every outcome other than clean is a span event.
import type { EvaluatorSettings } from "../../guardrails/registry.js";
import type { Evaluator, EvaluatorName, Verdict } from "../../guardrails/types.js";
import type { TextSegment } from "../../exchange/model.js";
import { codecs } from "../../providers/index.js";
import { setPath } from "../../providers/json.js";
import type { Metrics } from "../../telemetry/metrics.js";
import type { Denial, Policy, PolicyContext, PolicyEvent, PolicyResult, StreamResult } from "../types.js";
import { evidence } from "./evidence.js";
import { redactText } from "./redact.js";
import type { GuardrailRule, GuardrailsConfig } from "./schema.js";
import { StreamGuard, type WindowFinding } from "./stream-guard.js";

/** Returns an evaluator for a name and its settings (the resolver caches instances; models load once). */
export type EvaluatorResolver = (name: EvaluatorName, settings?: EvaluatorSettings) => Evaluator;

export interface GuardrailsDeps {
  resolve: EvaluatorResolver;
  metrics: Metrics;
  /** Per route; routes without an entry use `defaults`. */
  routes: ReadonlyMap<string, GuardrailsConfig>;
  defaults: GuardrailsConfig | undefined;
}

type Phase = "pre" | "post";
type Action = GuardrailRule["action"];

const TIGHTENED = "guardrails.tightened";

/** Evaluators that score a whole text rather than find spans in it. */
const CLASSIFIERS = new Set<EvaluatorName>(["prompt_injection", "toxicity", "content_safety"]);
/** The shortest streamed text a classifier is asked about before the stream ends. */
const MIN_CLASSIFIER_CHARS = 48;

/** What the stream guard's judge writes into while a chunk is judged. */
interface ChunkSink {
  /** Span events found while judging the current chunk. */
  events: PolicyEvent[];
  endOfStream: boolean;
}

interface StreamState {
  guard: StreamGuard;
  sink: ChunkSink;
}
const STREAM = "guardrails.stream";

interface Tightening {
  factor: number;
  add: EvaluatorName[];
  score: number;
}

/** What evaluate() needs of a rule: pre rules, post rules and tightened post rules alike. */
interface RuleCall {
  evaluator: EvaluatorName;
  threshold?: number | undefined;
  entities?: GuardrailRule["entities"];
}

interface PostRule extends RuleCall {
  action: Action;
}

const EVENT_NAME: Record<Action, string> = { block: "guardrail.block", redact: "guardrail.redact", monitor: "guardrail.flag" };
const OUTCOME: Record<Action, string> = { block: "block", redact: "redact", monitor: "flag" };

export function guardrailsPolicy(deps: GuardrailsDeps): Policy {
  const { metrics, resolve } = deps;
  const configFor = (ctx: PolicyContext) => (ctx.routeName ? deps.routes.get(ctx.routeName) : undefined) ?? deps.defaults;

  function evaluate(ctx: PolicyContext, phase: Phase, rule: RuleCall, text: string): Verdict {
    const name = rule.evaluator;
    const evaluator = resolve(name, settingsOf(rule));
    const t0 = process.hrtime.bigint();
    const verdict = phase === "pre" ? evaluator.evaluate({ input: text }) : evaluator.evaluate({ output: text });
    metrics.guardrailLatency.observe({ evaluator: name }, Number(process.hrtime.bigint() - t0) / 1e9);
    if (!verdict.flagged) metrics.guardrailEvaluations.inc({ evaluator: name, outcome: "clean", route: ctx.routeName ?? "none", phase });
    return verdict;
  }

  function outcomeEvent(ctx: PolicyContext, cfg: GuardrailsConfig, phase: Phase, action: Action, verdict: Verdict, text: string, segment?: TextSegment): PolicyEvent {
    metrics.guardrailEvaluations.inc({ evaluator: verdict.evaluator, outcome: OUTCOME[action], route: ctx.routeName ?? "none", phase });
    const offending = verdict.spans.length > 0 ? verdict.spans.map((s) => s.text).join(" … ") : text;
    const shown = evidence(offending, cfg.offending_text);
    const attributes: PolicyEvent["attributes"] = {
      evaluator: verdict.evaluator,
      score: round(verdict.score),
      threshold: verdict.threshold,
      action,
      phase,
      "text.mode": cfg.offending_text,
    };
    if (shown !== undefined) attributes.text = shown;
    if (verdict.spans[0]) attributes.label = verdict.spans[0].label;
    if (segment) {
      attributes.segment = segment.kind;
      attributes["segment.role"] = segment.role;
      attributes["segment.index"] = segment.index;
      if (segment.toolName) attributes["segment.tool"] = segment.toolName;
    }
    return { name: EVENT_NAME[action], attributes };
  }

  function blocked(ctx: PolicyContext, phase: Phase, verdict: Verdict, where: string): Denial {
    metrics.guardrailBlockedRequests.inc({ route: ctx.routeName ?? "none", phase });
    return {
      status: 400,
      code: phase === "pre" ? "guardrail_input_blocked" : "guardrail_output_blocked",
      message: `Blocked by the ${verdict.evaluator} guardrail (score ${round(verdict.score)} ≥ ${verdict.threshold}) in ${where}.`,
    };
  }

  /** Post rules for this request: the configured ones, tightened when the pre-check landed in the grey zone. */
  function postRules(ctx: PolicyContext, cfg: GuardrailsConfig): PostRule[] {
    const tight = ctx.state.get(TIGHTENED) as Tightening | undefined;
    const rules: PostRule[] = cfg.post.map((r) => ({ evaluator: r.evaluator, threshold: r.threshold, entities: r.entities, action: r.action }));
    if (!tight) return rules;
    const tightened: PostRule[] = rules.map((r) => ({ ...r, threshold: round((r.threshold ?? resolve(r.evaluator, settingsOf(r)).threshold) * tight.factor) }));
    for (const name of tight.add) {
      if (!tightened.some((r) => r.evaluator === name)) tightened.push({ evaluator: name, threshold: undefined, action: "block" });
    }
    return tightened;
  }

  return {
    name: "guardrails",

    requestBody(ctx): PolicyResult {
      const cfg = configFor(ctx);
      const request = ctx.request;
      if (!cfg || !request || cfg.pre.length === 0) return { verdict: "continue" };
      const events: PolicyEvent[] = [];
      let bodyChanged = false;
      const kinds = new Set(cfg.pre.flatMap((r) => r.segments));
      for (const segment of request.segments) {
        if (!kinds.has(segment.kind) || segment.text.length === 0) continue;
        const where = describe(segment);
        if (cfg.flash) {
          // The sub-millisecond pre-check: a certain hit needs no slower evaluator to confirm it.
          const flash = evaluate(ctx, "pre", { evaluator: "protect_flash" }, segment.text);
          if (flash.flagged) {
            events.push(outcomeEvent(ctx, cfg, "pre", "block", flash, segment.text, segment));
            return { verdict: "deny", denial: blocked(ctx, "pre", flash, where), events };
          }
        }
        for (const rule of cfg.pre) {
          if (!rule.segments.includes(segment.kind)) continue;
          const verdict = evaluate(ctx, "pre", rule, segment.text);
          const grey = cfg.grey_zone;
          if (grey && grey.evaluator === rule.evaluator && !verdict.flagged && verdict.score >= grey.low) {
            const prior = ctx.state.get(TIGHTENED) as Tightening | undefined;
            if (!prior || prior.score < verdict.score) ctx.state.set(TIGHTENED, { factor: grey.threshold_factor, add: grey.add, score: verdict.score });
            events.push({ ...outcomeEvent(ctx, cfg, "pre", "monitor", verdict, segment.text, segment), attributes: { ...outcomeEvent(ctx, cfg, "pre", "monitor", verdict, segment.text, segment).attributes, grey_zone: true } });
            continue;
          }
          if (!verdict.flagged) continue;
          events.push(outcomeEvent(ctx, cfg, "pre", rule.action, verdict, segment.text, segment));
          if (rule.action === "block") return { verdict: "deny", denial: blocked(ctx, "pre", verdict, where), events };
          if (rule.action === "redact") {
            const redacted = redactText(segment.text, verdict.spans, rule.evaluator, cfg.redact_style);
            if (setPath(request.body, segment.path, redacted)) {
              segment.text = redacted;
              bodyChanged = true;
            }
          }
        }
      }
      return bodyChanged ? { verdict: "mutate", bodyChanged, events } : { verdict: "continue", events };
    },

    responseBody(ctx, response): PolicyResult {
      const cfg = configFor(ctx);
      if (!cfg || response.status < 200 || response.status >= 300) return { verdict: "continue" };
      const rules = postRules(ctx, cfg);
      if (rules.length === 0) return { verdict: "continue" };
      const events: PolicyEvent[] = [];
      let bodyChanged = false;
      for (const segment of response.segments) {
        for (const rule of rules) {
          if (segment.text.length === 0) break;
          const verdict = evaluate(ctx, "post", rule, segment.text);
          if (!verdict.flagged) continue;
          const action = rule.action === "redact" && verdict.spans.length === 0 ? "block" : rule.action;
          events.push(outcomeEvent(ctx, cfg, "post", action, verdict, segment.text, segment));
          if (action === "block") return { verdict: "deny", denial: blocked(ctx, "post", verdict, "the response"), events };
          if (action === "redact") {
            const redacted = redactText(segment.text, verdict.spans, rule.evaluator, cfg.redact_style);
            if (setPath(response.body, segment.path, redacted)) {
              segment.text = redacted;
              bodyChanged = true;
            }
          }
        }
      }
      return bodyChanged ? { verdict: "mutate", bodyChanged, events } : { verdict: "continue", events };
    },

    responseStream(ctx, events, endOfStream): StreamResult {
      const cfg = configFor(ctx);
      const status = ctx.responseStatus ?? 0;
      if (!cfg || !ctx.endpoint || status < 200 || status >= 300) return { events };
      const rules = postRules(ctx, cfg);
      if (rules.length === 0) return { events };
      let stream = ctx.state.get(STREAM) as StreamState | undefined;
      if (!stream) {
        const codec = codecs[ctx.endpoint.api];
        const endpoint = ctx.endpoint;
        const seen = new Set<string>();
        const sink: ChunkSink = { events: [], endOfStream: false };
        const guard = new StreamGuard(
          (window) => {
            const findings: WindowFinding[] = [];
            for (const rule of rules) {
              // A whole-text classifier judging the first few words of an answer mostly sees noise; it waits for a
              // window of MIN_CLASSIFIER_CHARS (no text is released before that: the hold-back is at least as long).
              if (CLASSIFIERS.has(rule.evaluator) && window.length < Math.min(MIN_CLASSIFIER_CHARS, cfg.hold_back_chars) && !sink.endOfStream) continue;
              const verdict = evaluate(ctx, "post", rule, window);
              if (!verdict.flagged) continue;
              findings.push({ action: rule.action, verdict });
              // The window slides over the same text chunk after chunk: report each finding once.
              const key = `${rule.evaluator}:${verdict.spans.map((s) => s.text).join("|")}`;
              if (rule.action !== "block" && seen.has(key)) continue;
              seen.add(key);
              sink.events.push(outcomeEvent(ctx, cfg, "post", rule.action === "redact" && verdict.spans.length === 0 ? "block" : rule.action, verdict, window));
            }
            return findings;
          },
          (event, text) => codec.rewriteStreamText(endpoint, event, text),
          cfg.hold_back_chars,
          cfg.redact_style,
          cfg.judge_every_chars,
        );
        stream = { guard, sink };
        ctx.state.set(STREAM, stream);
      }
      stream.sink.endOfStream = endOfStream;
      const outcome = stream.guard.push(events, endOfStream);
      // Findings of this chunk go out with this chunk's result; the next chunk starts a new list.
      const policyEvents = stream.sink.events;
      stream.sink.events = [];
      metrics.guardrailHeldChars.observe(stream.guard.heldChars);
      if (outcome.blocked) {
        return { events: outcome.events, terminate: blocked(ctx, "post", outcome.blocked.verdict, "the streamed response"), policyEvents };
      }
      return { events: outcome.events, policyEvents };
    },
  };
}

/** The evaluator settings a rule asks for; unset fields stay unset, so they share the default instance. */
export function settingsOf(rule: RuleCall): EvaluatorSettings {
  const settings: EvaluatorSettings = {};
  if (rule.threshold !== undefined) settings.threshold = rule.threshold;
  if (rule.entities !== undefined) settings.entities = rule.entities;
  return settings;
}

function describe(segment: TextSegment): string {
  const base = segment.kind === "context" ? "retrieved context" : segment.kind === "tool_args" ? "tool arguments" : `the ${segment.kind} message`;
  const tool = segment.toolName ? ` of tool "${segment.toolName}"` : "";
  return `${base}${tool} (message ${segment.index})`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
