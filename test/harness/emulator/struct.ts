// google.protobuf.Struct ⇄ plain JSON, for dynamic metadata travelling through proto-loader messages.
// Value's fields are camelCase here (protobufjs's bundled struct.proto), whatever keepCase says.
import type { WireStruct, WireValue } from "./wire-types.js";

export function valueToJson(v: WireValue | undefined): unknown {
  if (!v) return null;
  if (v.structValue !== undefined) return structToJson(v.structValue);
  if (v.listValue !== undefined) return (v.listValue.values ?? []).map(valueToJson);
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return null;
}

export function structToJson(s: WireStruct | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

export function jsonToValue(v: unknown): WireValue {
  if (v === null || v === undefined) return { nullValue: 0 };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  if (typeof v === "object") return { structValue: jsonToStruct(v as Record<string, unknown>) };
  return { stringValue: String(v) };
}

export function jsonToStruct(o: Record<string, unknown>): WireStruct {
  const fields: Record<string, WireValue> = {};
  for (const [k, v] of Object.entries(o)) fields[k] = jsonToValue(v);
  return { fields };
}
