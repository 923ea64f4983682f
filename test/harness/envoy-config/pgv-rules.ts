// The protoc-gen-validate rules Envoy enforces after parsing (MessageUtil::validate), for the subset that
// shows up in gateway configs: required messages and oneofs, string lengths, numeric and duration bounds,
// list sizes and bool consts. Rules come from the `(validate.rules)` options in the vendored protos.
import type * as YAML from "yaml";
import type protobuf from "protobufjs";
import { issueAt, type ValidationContext } from "./strict-yaml.js";
import { durationSeconds } from "./well-known.js";

interface Bounds {
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
}

export interface FieldRules {
  message?: { required?: boolean };
  string?: { min_len?: number; max_len?: number; min_bytes?: number; max_bytes?: number };
  duration?: Bounds & { required?: boolean };
  repeated?: { min_items?: number; max_items?: number };
  bool?: { const?: boolean };
  [numeric: string]: unknown;
}

const NUMERIC_KINDS = ["uint32", "int32", "uint64", "int64", "double", "float", "fixed32", "sint32"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function validateRules(field: protobuf.Field): FieldRules | undefined {
  // protobufjs keeps aggregate options as a list of {"(validate.rules)": {...}} objects (typed loosely upstream).
  const parsed: unknown = field.parsedOptions;
  for (const option of Array.isArray(parsed) ? (parsed as unknown[]) : []) {
    const rules: unknown = isRecord(option) ? option["(validate.rules)"] : undefined;
    if (isRecord(rules)) return rules as FieldRules;
  }
  return undefined;
}

/** PGV duration bounds are {seconds, nanos} messages; an empty message means zero. */
function boundSeconds(bound: unknown): number {
  if (!isRecord(bound)) return 0;
  return Number(bound["seconds"] ?? 0) + Number(bound["nanos"] ?? 0) / 1e9;
}

function checkBounds(ctx: ValidationContext, node: YAML.Node | null, path: string, value: number, bounds: Bounds, toNumber: (b: unknown) => number, label: string): void {
  const fail = (relation: string, bound: unknown): void =>
    issueAt(ctx, node, path, `${label} must be ${relation} ${toNumber(bound)}, got ${value}`);
  if (bounds.gt !== undefined && !(value > toNumber(bounds.gt))) fail(">", bounds.gt);
  if (bounds.gte !== undefined && !(value >= toNumber(bounds.gte))) fail(">=", bounds.gte);
  if (bounds.lt !== undefined && !(value < toNumber(bounds.lt))) fail("<", bounds.lt);
  if (bounds.lte !== undefined && !(value <= toNumber(bounds.lte))) fail("<=", bounds.lte);
}

/** Applies a field's rules to the value already checked for type (undefined when unset or invalid). */
export function checkFieldRules(ctx: ValidationContext, node: YAML.Node | null, field: protobuf.Field, value: unknown, path: string): void {
  const rules = validateRules(field);
  if (!rules || value === undefined) return;
  if (rules.string && typeof value === "string") {
    const { min_len, max_len, min_bytes, max_bytes } = rules.string;
    const chars = [...value].length;
    const bytes = Buffer.byteLength(value);
    if (min_len !== undefined && chars < min_len) issueAt(ctx, node, path, `must be at least ${min_len} characters`);
    if (max_len !== undefined && chars > max_len) issueAt(ctx, node, path, `must be at most ${max_len} characters`);
    if (min_bytes !== undefined && bytes < min_bytes) issueAt(ctx, node, path, `must be at least ${min_bytes} bytes`);
    if (max_bytes !== undefined && bytes > max_bytes) issueAt(ctx, node, path, `must be at most ${max_bytes} bytes`);
  }
  if (rules.duration && typeof value === "string") {
    checkBounds(ctx, node, path, durationSeconds(value), rules.duration, boundSeconds, "duration (seconds)");
  }
  if (rules.repeated && Array.isArray(value)) {
    const { min_items, max_items } = rules.repeated;
    if (min_items !== undefined && value.length < min_items) issueAt(ctx, node, path, `needs at least ${min_items} item(s)`);
    if (max_items !== undefined && value.length > max_items) issueAt(ctx, node, path, `allows at most ${max_items} item(s)`);
  }
  if (rules.bool?.const !== undefined && value !== rules.bool.const) {
    issueAt(ctx, node, path, `must be ${String(rules.bool.const)}`);
  }
  for (const kind of NUMERIC_KINDS) {
    const bounds = rules[kind];
    if (isRecord(bounds) && typeof value === "number") checkBounds(ctx, node, path, value, bounds, Number, "value");
  }
}

export function checkOneofRequired(ctx: ValidationContext, node: YAML.Node | null, oneof: protobuf.OneOf, setCount: number, path: string): void {
  if (!ctx.checkRequired || setCount > 0 || oneof.options?.["(validate.required)"] !== true) return;
  issueAt(ctx, node, path, `one of ${oneof.fieldsArray.map((f) => f.name).join(", ")} is required`);
}
