// The audit record format and its hash chain, shared by the writer (audit.ts) and the verifier (audit-verify.ts).
//
// File format (version 1), so that a tool outside Tollgate can verify a file:
//
//   * UTF-8 JSON lines: one record per line, each line terminated by "\n" (a last line without "\n" is a torn write).
//   * Canonical serialisation = RFC 8785 (JSON Canonicalization Scheme) restricted to what records contain:
//     object keys sorted by UTF-16 code units at every depth, no whitespace, strings escaped as ECMAScript
//     JSON.stringify escapes them, numbers in ECMAScript shortest round-trip form (JSON.stringify), no NaN/Infinity.
//     Every line in the file is exactly the canonical serialisation of the record it holds, `hash` included.
//   * Chain fields added by the writer: `v` (format version, 1), `seq` (0, 1, 2, ... per file), `prev_hash` and
//     `hash`, both lower-case hex SHA-256.
//   * hash      = SHA-256( UTF-8( canonical(record without the `hash` key) ) ); this covers `v`, `seq` and `prev_hash`.
//   * prev_hash = the previous record's `hash` (the digest of the previous record's canonical form), or
//                 GENESIS_HASH (64 zeros) for seq 0.
//
// Verifying is therefore: for each line, parse, drop `hash`, canonicalise, SHA-256, compare with `hash`; check the line
// itself is canonical; check seq counts up from 0 by one; check prev_hash equals the previous line's hash.
import { createHash } from "node:crypto";
import type { Role, SegmentKind } from "../exchange/model.js";
import type { Outcome } from "../policies/types.js";

export const AUDIT_FORMAT_VERSION = 1;
export const GENESIS_HASH = "0".repeat(64);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The ext_proc phase a decision was taken in (post-guardrails on streams run in response_body too). */
export type AuditPhase = "request_headers" | "request_body" | "response_headers" | "response_body";

/** Which part of the request or response a guardrail looked at. */
export interface AuditSegment {
  kind: SegmentKind;
  role?: Role;
  /** Message (or JSON-RPC batch item) index. */
  index?: number;
  tool?: string;
}

/** One guardrail or policy decision that was not a plain "continue". */
export interface AuditDecision {
  /** The policy that decided, e.g. "guardrails", "ratelimit", "budget", "mcp". */
  policy: string;
  /** The guardrail evaluator, for guardrail decisions. */
  evaluator?: string;
  phase: AuditPhase;
  segment?: AuditSegment;
  /** What was done: block | redact | flag | monitor for guardrails, deny for other policies, tighten for grey-zone pairing. */
  action: string;
  score?: number;
  threshold?: number;
  /** Stable error code sent to the client when the decision denied the request. */
  code?: string;
}

export interface AuditUsage {
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
}

/**
 * What the exchange hands to `AuditLog.append`, once per request. Fields that were never known for this request
 * (a request denied before routing has no provider) are null rather than absent, so every record has the same keys.
 */
export interface AuditRecord {
  /** ISO 8601 time the request ended. */
  time: string;
  trace_id: string;
  request_id: string;
  principal: { key_id: string; cohort: string } | null;
  route: string | null;
  provider: string | null;
  model: string | null;
  endpoint: string | null;
  /** Tool names the request called (MCP tools/call) or offered (LLM tool definitions). */
  tools: string[];
  /** Lower-case hex SHA-256 of the request body as received; null when there was none. */
  prompt_sha256: string | null;
  decisions: AuditDecision[];
  usage: AuditUsage | null;
  /** Cost in millionths of a US dollar (an integer, so sums are exact). */
  cost_usd_micros: number;
  /** HTTP status the client got; null when the request was cancelled before any response. */
  status: number | null;
  outcome: Outcome;
  latency_ms: number;
}

/** A record as it stands in the file: the request's fields plus the chain fields the writer adds. */
export interface SealedAuditRecord extends AuditRecord {
  v: typeof AUDIT_FORMAT_VERSION;
  seq: number;
  prev_hash: string;
  hash: string;
}

/** Canonical JSON (see the header): sorted keys, no whitespace, finite numbers only. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    // JSON.stringify would quietly write null; a hash over a value that is not the one stored is worse than an error.
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no representation for ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  // Array.prototype.sort without a comparator orders by UTF-16 code units, which is what RFC 8785 asks for.
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) parts.push(`${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`);
  return `{${parts.join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * A detached, plain-JSON copy of what the caller passed: the exchange may keep mutating its objects after append,
 * and the record must be what was true at append time. JSON.stringify semantics decide the awkward cases (undefined
 * keys dropped, NaN/Infinity become null, toJSON honoured); bigints become decimal strings instead of throwing.
 */
export function snapshotRecord(record: AuditRecord): { [key: string]: JsonValue } {
  const text = JSON.stringify(record, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new TypeError("an audit record must be an object");
  const body = parsed as { [key: string]: JsonValue };
  // The chain fields are the writer's; a caller passing a sealed record back in must not smuggle its old ones through.
  delete body.v;
  delete body.seq;
  delete body.prev_hash;
  delete body.hash;
  return body;
}

export interface ChainLink {
  seq: number;
  hash: string;
}

/** Adds the chain fields to a snapshot and returns the file line (with "\n") and the record's hash. */
export function sealRecord(body: { [key: string]: JsonValue }, seq: number, prevHash: string): { line: string; hash: string } {
  const unsealed: { [key: string]: JsonValue } = { ...body, v: AUDIT_FORMAT_VERSION, seq, prev_hash: prevHash };
  const hash = sha256Hex(canonicalJson(unsealed));
  return { line: `${canonicalJson({ ...unsealed, hash })}\n`, hash };
}

const HEX64 = /^[0-9a-f]{64}$/;

export type ParsedLine =
  | { ok: true; record: { [key: string]: JsonValue }; seq: number; prevHash: string; hash: string }
  | { ok: false; reason: string; seq?: number };

/**
 * Parses one line (without its "\n") and checks it on its own: JSON, chain fields, hash, canonical form.
 * Chain continuity (seq order, prev_hash) is the caller's business since it needs the previous line.
 */
export function parseAuditLine(line: string): ParsedLine {
  if (line.length === 0) return { ok: false, reason: "empty line" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: "not valid JSON (garbled or truncated line)" };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { ok: false, reason: "not a JSON object" };
  const record = parsed as { [key: string]: JsonValue };
  const { v, seq, prev_hash: prevHash, hash } = record;
  const seqOk = typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0;
  const at = seqOk ? { seq } : {};
  if (v !== AUDIT_FORMAT_VERSION) return { ok: false, reason: `unsupported or missing format version v=${JSON.stringify(v ?? null)}`, ...at };
  if (!seqOk) return { ok: false, reason: "missing or invalid seq" };
  if (typeof prevHash !== "string" || !HEX64.test(prevHash)) return { ok: false, reason: "missing or invalid prev_hash", seq };
  if (typeof hash !== "string" || !HEX64.test(hash)) return { ok: false, reason: "missing or invalid hash", seq };
  const { hash: _stored, ...unsealed } = record;
  let canonicalBody: string;
  try {
    canonicalBody = canonicalJson(unsealed);
  } catch (err) {
    return { ok: false, reason: `not canonical JSON: ${(err as Error).message}`, seq };
  }
  if (sha256Hex(canonicalBody) !== hash) return { ok: false, reason: "hash mismatch: the record was modified after it was written", seq };
  // The hash already covers the content; this catches rewrites that keep it (duplicate keys, added whitespace),
  // so what a person reads in the file is exactly what was hashed.
  if (canonicalJson(record) !== line) return { ok: false, reason: "line is not in canonical form: it was rewritten after it was written", seq };
  return { ok: true, record, seq, prevHash, hash };
}
