// Narrowing helpers for untyped JSON, so codecs read provider bodies without `any`.

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A client error in the request body: becomes a 400 in the client's API shape, never an exception upstream. */
export class RequestParseError extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = "RequestParseError";
  }
}

/** Parses a JSON body, turning syntax errors into a RequestParseError that says where the JSON broke. */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new RequestParseError("request body is empty; a JSON body is required");
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new RequestParseError(`request body is not valid JSON: ${reason}`);
  }
}

/** Reads a JSON value at a path of keys and indices. */
export function getPath(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (typeof key === "number") node = Array.isArray(node) ? node[key] : undefined;
    else node = isObject(node) ? node[key] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Writes a JSON value at an existing path (redaction writes new text where the old text was). */
export function setPath(root: unknown, path: ReadonlyArray<string | number>, value: unknown): boolean {
  if (path.length === 0) return false;
  const parent = getPath(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (typeof last === "number" && Array.isArray(parent) && last < parent.length) {
    parent[last] = value;
    return true;
  }
  if (typeof last === "string" && isObject(parent)) {
    parent[last] = value;
    return true;
  }
  return false;
}
