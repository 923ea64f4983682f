// A JWT is three base64url segments; the first decodes to a JSON header naming the algorithm. Decoding it
// separates real tokens from strings that merely start with "eyJ".

export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
}

export function decodeJwtHeader(token: string): JwtHeader | undefined {
  const dot = token.indexOf(".");
  if (dot <= 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const header = json as Record<string, unknown>;
  if (typeof header.alg !== "string") return undefined;
  const result: JwtHeader = { alg: header.alg };
  if (typeof header.typ === "string") result.typ = header.typ;
  if (typeof header.kid === "string") result.kid = header.kid;
  return result;
}

/** The JSON payload (second segment) of a JWT, when it decodes to an object. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second <= first) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), "base64url").toString("utf8"));
    return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
