// google.protobuf well-known types have special JSON forms (protobuf's JSON mapping, which Envoy's YAML loader
// uses): Duration is a string like "0.2s", wrappers are bare scalars, Struct/Value are free JSON, Any is a mapping
// with "@type" plus the fields of that type (or "value" for a well-known payload).
import * as YAML from "yaml";
import type protobuf from "protobufjs";
import {
  checkMessage,
  checkScalar,
  childPath,
  deref,
  describeNode,
  issueAt,
  resolveAnyType,
  type ValidationContext,
} from "./strict-yaml.js";

const WRAPPERS: Record<string, string> = {
  ".google.protobuf.BoolValue": "bool",
  ".google.protobuf.StringValue": "string",
  ".google.protobuf.BytesValue": "bytes",
  ".google.protobuf.UInt32Value": "uint32",
  ".google.protobuf.Int32Value": "int32",
  ".google.protobuf.UInt64Value": "uint64",
  ".google.protobuf.Int64Value": "int64",
  ".google.protobuf.DoubleValue": "double",
  ".google.protobuf.FloatValue": "float",
};

const SPECIAL = new Set([
  ".google.protobuf.Duration",
  ".google.protobuf.Timestamp",
  ".google.protobuf.Struct",
  ".google.protobuf.Value",
  ".google.protobuf.ListValue",
  ".google.protobuf.Any",
  ".google.protobuf.FieldMask",
  ".google.protobuf.Empty",
]);

export function isWellKnown(type: protobuf.Type): boolean {
  return type.fullName in WRAPPERS || SPECIAL.has(type.fullName);
}

/** protobuf JSON Duration: optional sign, seconds, up to 9 fractional digits, then "s"; |value| ≤ 10000 years. */
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000;

export function durationSeconds(text: string): number {
  return Number(text.slice(0, -1));
}

function checkDuration(ctx: ValidationContext, node: YAML.Node | null, path: string): string | undefined {
  const value = YAML.isScalar(node) ? node.value : undefined;
  if (typeof value !== "string" || !DURATION.test(value)) {
    issueAt(ctx, node, path, `invalid duration ${describeNode(node)}: write seconds with an "s" suffix, e.g. "0.25s" or "5s"`);
    return undefined;
  }
  if (Math.abs(durationSeconds(value)) > MAX_DURATION_SECONDS) {
    issueAt(ctx, node, path, `duration ${value} is out of range`);
    return undefined;
  }
  return value;
}

function checkAny(ctx: ValidationContext, node: YAML.Node | null, path: string): unknown {
  if (!YAML.isMap(node)) {
    issueAt(ctx, node, path, `expected a mapping with "@type" for google.protobuf.Any, got ${describeNode(node)}`);
    return undefined;
  }
  const typePair = node.items.find((p) => YAML.isScalar(p.key) && p.key.value === "@type");
  const typeUrl = typePair && YAML.isScalar(typePair.value) ? typePair.value.value : undefined;
  if (typeof typeUrl !== "string") {
    issueAt(ctx, node, path, `typed_config needs an "@type" naming the config message`);
    return undefined;
  }
  const type = resolveAnyType(ctx, typeUrl, typePair?.value as YAML.Node, childPath(path, "@type"));
  if (!type) return undefined;
  const rest = new YAML.YAMLMap<unknown, unknown>();
  rest.range = node.range;
  rest.items = node.items.filter((p) => p !== typePair);
  if (isWellKnown(type)) {
    const valuePair = rest.items.find((p) => YAML.isScalar(p.key) && p.key.value === "value");
    return { "@type": typeUrl, value: checkWellKnown(ctx, deref(ctx, valuePair?.value), type, childPath(path, "value")) };
  }
  const checked = checkMessage(ctx, rest, type, path);
  return checked === undefined ? undefined : { "@type": typeUrl, ...(checked as Record<string, unknown>) };
}

export function checkWellKnown(ctx: ValidationContext, node: YAML.Node | null, type: protobuf.Type, path: string): unknown {
  const wrapped = WRAPPERS[type.fullName];
  if (wrapped) return checkScalar(ctx, node, wrapped, path);
  switch (type.fullName) {
    case ".google.protobuf.Duration":
      return checkDuration(ctx, node, path);
    case ".google.protobuf.Timestamp": {
      const value = YAML.isScalar(node) ? node.value : undefined;
      if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return value;
      issueAt(ctx, node, path, `invalid timestamp ${describeNode(node)} (RFC 3339 expected)`);
      return undefined;
    }
    case ".google.protobuf.Struct":
      if (!YAML.isMap(node)) issueAt(ctx, node, path, `expected a mapping for google.protobuf.Struct, got ${describeNode(node)}`);
      return node?.toJSON();
    case ".google.protobuf.ListValue":
      if (!YAML.isSeq(node)) issueAt(ctx, node, path, `expected a list for google.protobuf.ListValue, got ${describeNode(node)}`);
      return node?.toJSON();
    case ".google.protobuf.Value":
      return node === null ? null : node.toJSON();
    case ".google.protobuf.FieldMask":
      return checkScalar(ctx, node, "string", path);
    case ".google.protobuf.Empty":
      if (!YAML.isMap(node) || node.items.length > 0) issueAt(ctx, node, path, "google.protobuf.Empty must be {}");
      return {};
    case ".google.protobuf.Any":
      return checkAny(ctx, node, path);
    default:
      return undefined;
  }
}
