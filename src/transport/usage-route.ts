// GET /v1/usage?key=…&cohort=…&route=… on the admin port: current usage against every limit that applies.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Runtime } from "../config/runtime.js";
import { StoreUnavailableError } from "../state/store.js";

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export async function usageRoute(runtime: () => Runtime, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname !== "/v1/usage") return false;
  const budget = runtime().budget;
  if (!budget) {
    json(res, 404, { error: "no limits are configured" });
    return true;
  }
  const keyId = url.searchParams.get("key") ?? undefined;
  const cohort = url.searchParams.get("cohort") ?? undefined;
  const route = url.searchParams.get("route") ?? undefined;
  if (!keyId && !cohort && !route) {
    json(res, 400, { error: "give at least one of key, cohort, route" });
    return true;
  }
  try {
    json(res, 200, await budget.usageReport({ ...(keyId ? { keyId } : {}), ...(cohort ? { cohort } : {}), ...(route ? { route } : {}) }));
  } catch (err) {
    if (err instanceof StoreUnavailableError) json(res, 503, { error: `the budget store is unavailable: ${err.message}` });
    else throw err;
  }
  return true;
}
