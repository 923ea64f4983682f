// The audit record format and its hash chain, shared by the writer (audit.ts) and the verifier (audit-verify.ts).
//
// File format (version 1), so that a tool outside Tollgate can verify a file:
//
//   * UTF-8 JSON lines: one record per line, each line terminated by "\n" (a last line without "\n" is a torn write).
//   * Canonical serialisation = RFC 8785 (JSON Canonicalization Scheme) restricted to what records contain:
//     object keys sorted by UTF-16 code units at every depth, no whitespace, strings escaped as ECMAScript
//     JSON.stringify escapes them, numbers in ECMAScript shortest round-trip form (JSON.stringify; the writer
//     stores NaN/Infinity as null).
//     Every line in the file is exactly the canonical serialisation of the record it holds, `hash` included.
//   * Chain fields added by the writer: `v` (format version, 1), `seq` (0, 1, 2, ... per file), `prev_hash` and
//     `hash`, both lower-case hex SHA-256.
//   * hash      = SHA-256( UTF-8( canonical(record without the `hash` key) ) ); this covers `v`, `seq` and `prev_hash`.
//   * prev_hash = the previous record's `hash` field, i.e. the digest of the previous record's canonical form
//                 without its own `hash` (not of its whole line), or GENESIS_HASH (64 zeros) for seq 0.
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

/** One member of a canonical object: its key (for ordering) and its `"key":value` text. */
export interface Member {
  key: string;
  text: string;
}

/** Canonical JSON (see the header) of a JSON value. */
export function canonicalJson(value: JsonValue): string {
  const text = canonicalize(value, "", new Set());
  if (text === undefined) throw new TypeError("no JSON representation");
  return text;
}

/**
 * Canonical JSON of any value with JSON.stringify's semantics, so what a caller hands over is written exactly as
 * JSON.stringify would (undefined, functions and symbols dropped from objects and null in arrays, NaN and Infinity
 * as null, toJSON honoured) except that bigints become decimal strings instead of throwing. Returns undefined for a
 * value JSON omits. One pass: the text is also the record's snapshot, so later mutation by the caller cannot leak in.
 */
function canonicalize(input: unknown, key: string, ancestors: Set<object>): string | undefined {
  // Primitives first: they are most of a record, and this runs on the request path.
  switch (typeof input) {
    case "string":
      return JSON.stringify(input);
    case "number":
      return Number.isFinite(input) ? String(input) : "null"; // String(n) is JSON.stringify's number form
    case "boolean":
      return input ? "true" : "false";
    case "bigint":
      return `"${input.toString()}"`;
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (input === null) return "null";
  if (typeof (input as { toJSON?: unknown }).toJSON === "function") return canonicalize((input as { toJSON: (key: string) => unknown }).toJSON(key), key, ancestors);
  if (input instanceof Number || input instanceof String || input instanceof Boolean) return canonicalize(input.valueOf(), key, ancestors);
  const obj: object = input as object;
  if (ancestors.has(obj)) throw new TypeError("cannot serialise a circular structure");
  ancestors.add(obj);
  try {
    if (Array.isArray(input)) {
      let out = "[";
      for (let i = 0; i < input.length; i++) out += (i > 0 ? "," : "") + (canonicalize(input[i], String(i), ancestors) ?? "null");
      return `${out}]`;
    }
    return joinMembers(membersOf(input as Record<string, unknown>, ancestors));
  } finally {
    ancestors.delete(obj);
  }
}

function membersOf(obj: Record<string, unknown>, ancestors: Set<object>): Member[] {
  const members: Member[] = [];
  // Array.prototype.sort without a comparator orders by UTF-16 code units, which is what RFC 8785 asks for.
  for (const key of Object.keys(obj).sort()) {
    const text = canonicalize(obj[key], key, ancestors);
    if (text !== undefined) members.push({ key, text: `${JSON.stringify(key)}:${text}` });
  }
  return members;
}

function joinMembers(members: readonly Member[]): string {
  let out = "{";
  for (let i = 0; i < members.length; i++) out += (i > 0 ? "," : "") + members[i]!.text;
  return `${out}}`;
}

/** Inserts members into a sorted list (the chain fields into a record), keeping UTF-16 key order. */
function withMembers(sorted: readonly Member[], extra: readonly Member[]): Member[] {
  return [...sorted, ...extra].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

const CHAIN_KEYS = new Set(["v", "seq", "prev_hash", "hash"]);

/**
 * The record as canonical members, ready to seal. Done once, at append: it is the snapshot (strings are immutable,
 * so the exchange may keep mutating its objects) and it is the expensive part, so sealing a batch later is cheap.
 * Throws on what JSON cannot hold (a circular structure, a record that is not an object).
 */
export function prepareRecord(record: AuditRecord): Member[] {
  const value: unknown = record;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new TypeError("an audit record must be an object");
  // The chain fields are the writer's; a caller passing a sealed record back in must not smuggle its old ones through.
  return membersOf(value as Record<string, unknown>, new Set([value])).filter((m) => !CHAIN_KEYS.has(m.key));
}

export interface ChainLink {
  seq: number;
  hash: string;
}

/** Adds the chain fields to a prepared record and returns its file line (with "\n") and its hash. */
export function sealRecord(members: readonly Member[], seq: number, prevHash: string): { line: string; hash: string } {
  const unsealed = withMembers(members, [
    { key: "prev_hash", text: `"prev_hash":"${prevHash}"` },
    { key: "seq", text: `"seq":${seq}` },
    { key: "v", text: `"v":${AUDIT_FORMAT_VERSION}` },
  ]);
  const hash = sha256Hex(joinMembers(unsealed));
  return { line: `${joinMembers(withMembers(unsealed, [{ key: "hash", text: `"hash":"${hash}"` }]))}\n`, hash };
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
  let members: Member[];
  try {
    members = membersOf(record, new Set([record]));
  } catch (err) {
    return { ok: false, reason: `cannot be canonicalised: ${(err as Error).message}`, seq }; // e.g. nesting too deep
  }
  if (sha256Hex(joinMembers(members.filter((m) => m.key !== "hash"))) !== hash) {
    return { ok: false, reason: "hash mismatch: the record was modified after it was written", seq };
  }
  // The hash already covers the content; this catches rewrites that keep it (duplicate keys, added whitespace,
  // a number written as 1e400), so what a person reads in the file is exactly what was hashed.
  if (joinMembers(members) !== line) return { ok: false, reason: "line is not in canonical form: it was rewritten after it was written", seq };
  return { ok: true, record, seq, prevHash, hash };
}
