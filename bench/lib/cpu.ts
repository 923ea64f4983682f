// Reads a server's own CPU time from its Prometheus endpoint. Tollgate exposes prom-client's default metrics
// (process_cpu_user_seconds_total / process_cpu_system_seconds_total, computed from process.cpuUsage() at scrape
// time); the no-op server prints the same two lines, so one reader serves both targets.
import { get } from "node:http";

const CPU_LINE = /^process_cpu_(?:user|system)_seconds_total(?:\{[^}]*\})?\s+(\S+)/gm;

/** Sum of user + system CPU seconds in a Prometheus text exposition. */
export function parseProcessCpuSeconds(text: string): number {
  let total = 0;
  let found = 0;
  for (const match of text.matchAll(CPU_LINE)) {
    const value = Number(match[1]);
    if (!Number.isFinite(value)) throw new Error(`unparsable CPU sample: ${match[0]}`);
    total += value;
    found += 1;
  }
  if (found !== 2) {
    throw new Error(
      "the metrics endpoint must expose process_cpu_user_seconds_total and process_cpu_system_seconds_total " +
        `(prom-client collectDefaultMetrics); found ${found} of them`,
    );
  }
  return total;
}

export function fetchText(url: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        if (res.statusCode === 200) resolve(text);
        else reject(new Error(`GET ${url}: HTTP ${res.statusCode ?? "?"} ${text.slice(0, 200)}`));
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export async function readServerCpuSeconds(metricsUrl: string): Promise<number> {
  return parseProcessCpuSeconds(await fetchText(metricsUrl));
}
