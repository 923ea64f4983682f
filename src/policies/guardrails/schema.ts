// Guardrail policy configuration: which evaluators run before the provider sees a request (pre) and before the
// client sees a response (post), on which segments, with which thresholds and actions.
import { z } from "zod";
import { PII_ENTITIES, type PiiEntity } from "../../guardrails/pii/candidate.js";

export const evaluatorNames = ["prompt_injection", "protect_flash", "pii", "toxicity", "content_safety", "secrets"] as const;

const segmentKinds = ["system", "user", "assistant", "context", "tool_args"] as const;

const ruleSchema = z
  .strictObject({
    evaluator: z.enum(evaluatorNames),
    /** Defaults to the evaluator's own threshold. */
    threshold: z.number().min(0).max(1).optional(),
    /** block: refuse; redact: rewrite the offending text and continue; monitor: record only. */
    action: z.enum(["block", "redact", "monitor"]).default("block"),
    /** Pre rules: which request segments to inspect (the system prompt is opt-in). Post rules read the output. */
    segments: z.array(z.enum(segmentKinds)).default(["user", "context", "tool_args"]),
    /** pii only: the entity types this rule acts on (default all); "Paris" in an answer is rarely worth a redaction. */
    entities: z.array(z.enum(PII_ENTITIES as [PiiEntity, ...PiiEntity[]])).min(1).optional(),
  })
  .refine((rule) => rule.entities === undefined || rule.evaluator === "pii", {
    message: "entities applies to the pii evaluator only",
    path: ["entities"],
  });

export const guardrailsSchema = z.strictObject({
  pre: z.array(ruleSchema).default([]),
  post: z.array(ruleSchema).default([]),
  /** Run ProtectFlash on every pre segment first; a hit blocks without running the slower evaluators. */
  flash: z.boolean().default(true),
  /**
   * A pre score in [low, threshold) of `evaluator` is suspicious but not blocked: the request's post-guardrails are
   * tightened (thresholds multiplied by `threshold_factor`, `add` evaluators run too).
   */
  grey_zone: z
    .strictObject({
      evaluator: z.enum(evaluatorNames).default("prompt_injection"),
      low: z.number().min(0).max(1),
      threshold_factor: z.number().gt(0).max(1).default(0.7),
      add: z.array(z.enum(evaluatorNames)).default([]),
    })
    .optional(),
  /** How redacted text reads: label (<EMAIL_ADDRESS>), mask (same length of *) or hash (<EMAIL_ADDRESS:1a2b…>). */
  redact_style: z.enum(["label", "mask", "hash"]).default("label"),
  /** How offending text appears in span events and audit records. */
  offending_text: z.enum(["full", "masked", "sha256", "none"]).default("masked"),
  /** Streamed output: characters held back behind the newest text, so a value split across chunks is seen whole. */
  hold_back_chars: z.number().int().min(0).max(4096).default(64),
  /** Streamed output is judged again once this many new characters arrived (and at the end), not on every chunk. */
  judge_every_chars: z.number().int().min(0).max(4096).default(32),
});

export type GuardrailsConfig = z.output<typeof guardrailsSchema>;
export type GuardrailRule = GuardrailsConfig["pre"][number];
