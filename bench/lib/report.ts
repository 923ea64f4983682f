// Turns cell results into the markdown the README includes and the JSON kept in bench/results/.
import type { CellResult, Variant } from "./types.js";
import { VARIANT_DESCRIPTIONS } from "./types.js";

/** Below this share of one core the server was waiting on the client: requests/s is not a capacity figure. */
export const BUSY_THRESHOLD = 0.8;

export interface RunInfo {
  date: string;
  machine: string;
  node: string;
  commit: string;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  pinning: string;
  windows: string;
  targets: Record<string, string>;
  notes: string[];
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function share(part: number, whole: number): string {
  return `${Math.round((100 * part) / Math.max(whole, 1))}%`;
}

/** Why connections get lost under the default close mode; printed whenever it happened. */
export const GOAWAY_NOTE =
  "HTTP/2 connections lost: Envoy ends every ext_proc stream with END_STREAM then RST_STREAM (closeStream + " +
  "resetStream). The nghttp2 inside Node counts each RST_STREAM against its rapid-reset limit (CVE-2023-44487: " +
  "1000 burst, 33/s per connection) and answers with GOAWAY(INTERNAL_ERROR), failing the streams in flight on that " +
  "connection (Envoy: 500s unless failure_mode_allow). Compare `--close graceful` (Envoy's " +
  "ext_proc_graceful_grpc_close runtime flag: half-close and wait for the server's OK, no reset).";

/** Short warnings for one cell (the idle-server one is left out where a busy column shows it): errors, denials, a message pattern other than the intended one. */
export function cellNotes(cell: CellResult, expectedMessages: number | undefined, withBusy = true): string[] {
  const notes: string[] = [];
  const o = cell.outcomes;
  if (withBusy && cell.serverBusy < BUSY_THRESHOLD) notes.push(`server core ${share(cell.serverBusy, 1)} busy: req/s is not capacity`);
  if (o.rpcError > 0) notes.push(`${o.rpcError} gRPC errors`);
  if (cell.connectionsLost > 0) notes.push(`${cell.connectionsLost} HTTP/2 connections lost (GOAWAY/reset)`);
  if (o.spurious > 0) notes.push(`${o.spurious} spurious replies (Envoy: 500)`);
  if (o.closedEarly > 0) notes.push(`${o.closedEarly} streams closed early by the server`);
  if (o.immediate > 0) {
    const codes = Object.entries(cell.statuses).map(([code, n]) => `${code}×${n}`).join(" ");
    notes.push(`${share(o.immediate, cell.requests)} ${cell.variant === "authz" ? "denied" : "immediate response"} (${codes})`);
  }
  if (expectedMessages !== undefined && o.complete === cell.requests && Math.abs(cell.messagesPerRequest - expectedMessages) > 0.01) {
    notes.push(`${cell.messagesPerRequest.toFixed(1)} messages/request, expected ${expectedMessages}`);
  }
  return notes;
}

function heading(variant: Variant, close: string | null): string {
  return `#### ${variant}${close ? ` (stream close: ${close})` : ""}: ${VARIANT_DESCRIPTIONS[variant]}`;
}

export function markdownReport(info: RunInfo, cells: CellResult[], expectedMessages: (cell: CellResult) => number | undefined): string {
  const lines: string[] = [
    `Machine: ${info.machine}; Node ${info.node}; commit ${info.commit}; ${info.date}.`,
    `Load average before/after: ${info.loadAverageBefore.map((n) => n.toFixed(2)).join(" ")} / ${info.loadAverageAfter.map((n) => n.toFixed(2)).join(" ")}; ${info.pinning}; ${info.windows}.`,
    ...Object.entries(info.targets).map(([name, command]) => `- ${name}: ${command}`),
    ...info.notes.map((note) => `- ${note}`),
    "",
    "CPU µs/request is the server's own process CPU (user + system) over the measured window divided by the requests " +
      "completed in it: the figure to quote. Server busy = server CPU seconds / wall seconds; under " +
      `${Math.round(BUSY_THRESHOLD * 100)}% the client did not saturate the server, so req/s is not a capacity figure.`,
  ];
  if (cells.some((c) => c.connectionsLost > 0)) lines.push("", GOAWAY_NOTE);
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) {
    const key = `${cell.variant}|${cell.close ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    lines.push("", heading(first.variant, first.close), "");
    lines.push("| target | transport | concurrency | req/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/req | × no-op | server busy | notes |");
    lines.push("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for (const c of group) {
      const ratio = c.cpuRatioToNoop === null ? "" : `${c.cpuRatioToNoop.toFixed(2)}×`;
      lines.push(
        `| ${c.target} | ${c.transport} | ${c.concurrency} | ${thousands(c.requestsPerSecond)} | ${ms(c.latency.p50)} | ` +
          `${ms(c.latency.p99)} | ${ms(c.latency.p999)} | ${c.serverCpuUsPerRequest.toFixed(0)} | ${ratio} | ` +
          `${share(c.serverBusy, 1)}${c.serverBusy < BUSY_THRESHOLD ? " ⚠" : ""} | ${cellNotes(c, expectedMessages(c), false).join("; ")} |`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** One progress line per cell while the run goes on. */
export function progressLine(c: CellResult, notes: string[]): string {
  const what = `${c.target.padEnd(8)} ${c.transport} ${c.variant}${c.close ? `/${c.close}` : ""} c=${c.concurrency}`;
  return (
    `${what.padEnd(40)} ${thousands(c.requestsPerSecond).padStart(7)} req/s  p50 ${ms(c.latency.p50)} p99 ${ms(c.latency.p99)} ms  ` +
    `${c.serverCpuUsPerRequest.toFixed(0)} µs/req  busy ${share(c.serverBusy, 1)} (client ${share(c.clientBusy, 1)})` +
    (notes.length > 0 ? `  ! ${notes.join("; ")}` : "")
  );
}
