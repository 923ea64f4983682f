// envoy.type.v3.StatusCode arrives from proto-loader as its enum name ("Unauthorized") or, for values the enum
// does not list, as a number. Envoy uses the numeric value either way.
import { envoyConfigRoot } from "../envoy-config/proto-root.js";

export function statusCodeValue(code: number | string | undefined): number | undefined {
  if (code === undefined) return undefined;
  if (typeof code === "number") return code;
  if (/^\d+$/.test(code)) return Number(code);
  return envoyConfigRoot().lookupEnum("envoy.type.v3.StatusCode").values[code];
}
