// google.protobuf.Struct ⇄ plain JSON, for dynamic metadata travelling through proto-loader messages.
import type { WireStruct, WireValue } from "./wire-types.js";

export function valueToJson(v: WireValue | undefined): unknown {
  if (!v) return null;
  if (v.struct_value !== undefined) return structToJson(v.struct_value);
  if (v.list_value !== undefined) return (v.list_value.values ?? []).map(valueToJson);
  if (v.string_value !== undefined) return v.string_value;
  if (v.number_value !== undefined) return v.number_value;
  if (v.bool_value !== undefined) return v.bool_value;
  return null;
}

export function structToJson(s: WireStruct | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

export function jsonToValue(v: unknown): WireValue {
  if (v === null || v === undefined) return { null_value: "NULL_VALUE" };
  if (typeof v === "string") return { string_value: v };
  if (typeof v === "number") return { number_value: v };
  if (typeof v === "boolean") return { bool_value: v };
  if (Array.isArray(v)) return { list_value: { values: v.map(jsonToValue) } };
  if (typeof v === "object") return { struct_value: jsonToStruct(v as Record<string, unknown>) };
  return { string_value: String(v) };
}

export function jsonToStruct(o: Record<string, unknown>): WireStruct {
  const fields: Record<string, WireValue> = {};
  for (const [k, v] of Object.entries(o)) fields[k] = jsonToValue(v);
  return { fields };
}
