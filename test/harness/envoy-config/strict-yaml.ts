// Strict YAML → protobuf checking, as Envoy does when it loads a bootstrap: Envoy converts YAML to JSON and parses
// it with the protobuf JSON parser without ignore_unknown_fields, then runs protoc-gen-validate rules
// (source/common/protobuf/utility.cc: MessageUtil::loadFromYaml / loadFromJson / validate). So: unknown fields,
// unknown enum names, malformed durations and wrongly typed scalars are errors; `typed_config` Any values are
// resolved by `@type` and checked recursively; field names may be snake_case or lowerCamelCase (JSON names).
// Every issue carries the YAML path and line so a user can find it.
import * as YAML from "yaml";
import protobuf from "protobufjs";
import { typeNameFromUrl } from "./proto-root.js";
import { checkFieldRules, checkOneofRequired, validateRules } from "./pgv-rules.js";
import { checkWellKnown, isWellKnown } from "./well-known.js";

export interface ConfigIssue {
  /** Dotted YAML path, e.g. static_resources.clusters[0].connect_timeout */
  path: string;
  line: number;
  col: number;
  message: string;
}

export interface ValidationContext {
  root: protobuf.Root;
  doc: YAML.Document.Parsed;
  lineCounter: YAML.LineCounter;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  /** False for partial fragments (Istio MERGE patches), where required-field rules cannot apply. */
  checkRequired: boolean;
}

export type YamlNode = YAML.Node | YAML.Pair | null | undefined;

export function issueAt(ctx: ValidationContext, node: YamlNode, path: string, message: string, warning = false): void {
  const offset = node && "range" in node && node.range ? node.range[0] : 0;
  const pos = ctx.lineCounter.linePos(offset);
  (warning ? ctx.warnings : ctx.errors).push({ path: path || "(root)", line: pos.line, col: pos.col, message });
}

export function deref(ctx: ValidationContext, node: unknown): YAML.Node | null {
  if (YAML.isAlias(node)) return deref(ctx, node.resolve(ctx.doc) ?? null);
  return YAML.isNode(node) ? node : null;
}

export function isNullNode(node: YAML.Node | null): boolean {
  return node === null || (YAML.isScalar(node) && node.value === null);
}

export function describeNode(node: YAML.Node | null): string {
  if (node === null) return "nothing";
  if (YAML.isMap(node)) return "a mapping";
  if (YAML.isSeq(node)) return "a list";
  if (YAML.isScalar(node)) return `${typeof node.value} ${JSON.stringify(node.value)}`;
  return "an unsupported node";
}

export const childPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

const lowerCamel = (name: string): string => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function fieldFor(type: protobuf.Type, key: string): protobuf.Field | undefined {
  const direct = type.fields[key];
  if (direct) return direct;
  return type.fieldsArray.find((f) => lowerCamel(f.name) === key || f.options?.["json_name"] === key);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] ?? 0;
      row[j] = Math.min(up + 1, (row[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(type: protobuf.Type, key: string): string {
  let best: string | undefined;
  let bestDistance = 4;
  for (const f of type.fieldsArray) {
    const d = editDistance(key.toLowerCase(), f.name);
    if (d < bestDistance) {
      best = f.name;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean "${best}"?)` : "";
}

const shortName = (t: protobuf.ReflectionObject): string => t.fullName.replace(/^\./, "");

/** Checks a mapping against a message type; returns the value with proto field names, or undefined on error. */
export function checkMessage(
  ctx: ValidationContext,
  node: YAML.Node | null,
  type: protobuf.Type,
  path: string,
): unknown {
  if (isWellKnown(type)) return checkWellKnown(ctx, node, type, path);
  if (!YAML.isMap(node)) {
    issueAt(ctx, node, path, `expected a mapping for ${shortName(type)}, got ${describeNode(node)}`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const keyNode = deref(ctx, pair.key);
    const key = YAML.isScalar(keyNode) ? String(keyNode.value) : "";
    const path_ = childPath(path, key);
    const field = fieldFor(type, key);
    if (!field) {
      issueAt(ctx, keyNode, path_, `unknown field "${key}" in ${shortName(type)}${suggestion(type, key)}`);
      continue;
    }
    if (field.name in out) {
      issueAt(ctx, keyNode, path_, `field "${field.name}" is set twice (snake_case and camelCase spellings)`);
      continue;
    }
    if (field.options?.["deprecated"] === true) {
      issueAt(ctx, keyNode, path_, `field "${field.name}" of ${shortName(type)} is deprecated`, true);
    }
    const valueNode = deref(ctx, pair.value);
    const value = checkField(ctx, valueNode, field, path_);
    if (value !== undefined) out[field.name] = value;
    checkFieldRules(ctx, valueNode, field, value, path_);
  }
  for (const oneof of type.oneofsArray) {
    const members = oneof.fieldsArray.filter((f) => out[f.name] !== undefined).map((f) => f.name);
    if (members.length > 1) {
      issueAt(ctx, node, path, `only one of ${oneof.fieldsArray.map((f) => f.name).join(", ")} may be set, got ${members.join(" and ")}`);
    }
    checkOneofRequired(ctx, node, oneof, members.length, path);
  }
  if (ctx.checkRequired) {
    // A oneof member's `required` only binds when that member is the one chosen (PGV semantics).
    for (const field of type.fieldsArray) {
      if (field.partOf) continue;
      if (out[field.name] === undefined && validateRules(field)?.message?.required === true) {
        issueAt(ctx, node, path, `missing required field "${field.name}" in ${shortName(type)}`);
      }
    }
  }
  return out;
}

function checkField(ctx: ValidationContext, node: YAML.Node | null, field: protobuf.Field, path: string): unknown {
  if (isNullNode(node) && field.resolvedType?.fullName !== ".google.protobuf.Value") return undefined;
  if (field instanceof protobuf.MapField) {
    if (!YAML.isMap(node)) {
      issueAt(ctx, node, path, `expected a mapping for map field "${field.name}", got ${describeNode(node)}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const keyNode = deref(ctx, pair.key);
      const key = YAML.isScalar(keyNode) ? String(keyNode.value) : "";
      if (field.keyType !== "string" && !/^-?\d+$/.test(key)) {
        issueAt(ctx, keyNode, childPath(path, key), `map key "${key}" is not a ${field.keyType}`);
      }
      out[key] = checkSingle(ctx, deref(ctx, pair.value), field, childPath(path, key));
    }
    return out;
  }
  if (field.repeated) {
    if (!YAML.isSeq(node)) {
      issueAt(ctx, node, path, `expected a list for repeated field "${field.name}", got ${describeNode(node)}`);
      return undefined;
    }
    return node.items.map((item, i) => checkSingle(ctx, deref(ctx, item), field, `${path}[${i}]`));
  }
  return checkSingle(ctx, node, field, path);
}

function checkSingle(ctx: ValidationContext, node: YAML.Node | null, field: protobuf.Field, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return checkEnum(ctx, node, resolved, path);
  if (resolved instanceof protobuf.Type) return checkMessage(ctx, node, resolved, path);
  return checkScalar(ctx, node, field.type, path);
}

function checkEnum(ctx: ValidationContext, node: YAML.Node | null, type: protobuf.Enum, path: string): unknown {
  const value = YAML.isScalar(node) ? node.value : undefined;
  if (typeof value === "string" && value in type.values) return value;
  if (typeof value === "number" && Object.values(type.values).includes(value)) return type.valuesById[value];
  issueAt(
    ctx,
    node,
    path,
    `invalid value ${JSON.stringify(value ?? describeNode(node))} for enum ${shortName(type)} (one of ${Object.keys(type.values).join(", ")})`,
  );
  return undefined;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/** Scalars follow the proto3 JSON mapping: integers may be quoted, strings and bools may not be numbers. */
export function checkScalar(ctx: ValidationContext, node: YAML.Node | null, scalarType: string, path: string): unknown {
  const value = YAML.isScalar(node) ? node.value : undefined;
  const fail = (expected: string): undefined => {
    issueAt(ctx, node, path, `expected ${expected}, got ${describeNode(node)}`);
    return undefined;
  };
  switch (scalarType) {
    case "string":
      return typeof value === "string" ? value : fail("a string (quote numbers and booleans)");
    case "bool":
      return typeof value === "boolean" ? value : fail("true or false");
    case "bytes":
      return typeof value === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? value : fail("base64 bytes");
    case "double":
    case "float":
      if (typeof value === "number") return value;
      if (typeof value === "string" && /^(-?Infinity|NaN|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/.test(value)) return Number(value);
      return fail("a number");
    default: {
      const range = INT_RANGES[scalarType];
      if (!range) return fail(`a supported scalar (${scalarType})`);
      const text = typeof value === "number" && Number.isInteger(value) ? String(value) : typeof value === "string" ? value : "";
      if (!/^-?\d+$/.test(text)) return fail(`an integer (${scalarType})`);
      const big = BigInt(text);
      if (big < range[0] || big > range[1]) return fail(`an integer in ${scalarType} range`);
      return Number(big);
    }
  }
}

/** Resolves an Any's `@type` URL against the loaded root; undefined (and an error) when the type is unknown. */
export function resolveAnyType(ctx: ValidationContext, typeUrl: string, node: YamlNode, path: string): protobuf.Type | undefined {
  if (!typeUrl.includes("/")) {
    issueAt(ctx, node, path, `@type "${typeUrl}" must be a type URL such as type.googleapis.com/${typeUrl}`);
    return undefined;
  }
  try {
    return ctx.root.lookupType(typeNameFromUrl(typeUrl));
  } catch {
    issueAt(ctx, node, path, `unknown @type "${typeUrl}" (not an Envoy v3 type, or its proto is not listed in proto/protos.json)`);
    return undefined;
  }
}
