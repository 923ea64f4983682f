// The ext_proc benchmark suite: for each transport it starts the no-op floor and Tollgate pinned to the server
// core, then drives every (variant × close mode × concurrency) cell against each in turn from the load generator
// pinned to the client core. Running the two targets back to back per cell keeps their ratio meaningful on a
// machine whose background load drifts.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, resolve } from "node:path";
import { packageRoot } from "../src/paths.js";
import { LoadgenProcess } from "./lib/loadgen-process.js";
import { SSE_CHUNKS } from "./lib/messages.js";
import { parseBenchOptions, USAGE, type BenchOptions } from "./lib/options.js";
import { cellNotes, markdownReport, progressLine, type RunInfo } from "./lib/report.js";
import { startTarget, TargetUnavailable, type TargetProcess } from "./lib/targets.js";
import type { CellResult, CloseMode, TargetName, Transport, Variant } from "./lib/types.js";

/** Messages per request when the server replies CONTINUE (and switches SSE to STREAMED, as the no-op does). */
function expectedMessages(cell: CellResult): number | undefined {
  if (cell.variant === "buffered") return 4;
  if (cell.variant === "sse") return 3 + SSE_CHUNKS;
  return 1;
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: packageRoot, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

interface TargetState {
  command?: string;
  /** Why it was not measured, if it was not. */
  failure?: string;
  unavailable?: boolean;
}

async function startTargets(
  transport: Transport,
  opts: BenchOptions,
  workDir: string,
  states: Map<TargetName, TargetState>,
  notes: string[],
): Promise<TargetProcess[]> {
  const running: TargetProcess[] = [];
  for (const name of opts.targets) {
    const state = states.get(name) ?? {};
    states.set(name, state);
    if (state.unavailable) continue;
    try {
      const target = await startTarget(name, {
        transport,
        workDir,
        cpu: opts.serverCpu,
        config: opts.config,
        tollgateFrom: opts.tollgateFrom,
      });
      state.command = target.command;
      if (target.warning && !notes.includes(target.warning)) notes.push(target.warning);
      console.log(`started ${name} on ${target.grpcTarget}: ${target.command}`);
      running.push(target);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      state.failure = message;
      state.unavailable = err instanceof TargetUnavailable;
      console.error(`\n${name.toUpperCase()} NOT MEASURED over ${transport}: ${message}\n`);
    }
  }
  return running;
}

export async function benchExtProc(argv: string[] = []): Promise<void> {
  const opts = parseBenchOptions(argv);
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const workDir = mkdtempSync(resolve(tmpdir(), "tollgate-bench-"));
  const loadBefore = loadavg();
  const states = new Map<TargetName, TargetState>();
  const notes: string[] = [];
  const cells: CellResult[] = [];
  let loadgen = new LoadgenProcess(opts.clientCpu);
  const perCell = (opts.warmupMs + opts.durationMs) / 1000;
  console.log(
    `ext_proc benchmark: ${opts.targets.join(", ")} × ${opts.transports.join(", ")} × ${opts.variants.join(", ")} × ` +
      `concurrency ${opts.concurrencies.join(", ")}; ${perCell} s per cell; logs in ${workDir}`,
  );

  try {
    for (const transport of opts.transports) {
      const targets = await startTargets(transport, opts, workDir, states, notes);
      try {
        for (const variant of opts.variants) {
          const closeModes: (CloseMode | null)[] = variant === "authz" ? [null] : opts.closeModes;
          for (const close of closeModes) {
            for (const concurrency of opts.concurrencies) {
              for (const target of targets) {
                try {
                  cells.push(await measureCell(loadgen, target, transport, variant, close, concurrency, opts));
                } catch (err) {
                  // One broken cell (a crashed load generator, a target that stopped answering) is reported and
                  // skipped; the rest of the run still produces numbers.
                  const what = `${target.name} ${transport} ${variant}${close ? `/${close}` : ""} c=${concurrency}`;
                  const message = err instanceof Error ? err.message : String(err);
                  console.error(`${what}: FAILED: ${message}`);
                  notes.push(`${what} failed: ${message}`);
                  process.exitCode = 1;
                  if (!loadgen.alive) loadgen = new LoadgenProcess(opts.clientCpu);
                }
              }
            }
          }
        }
      } finally {
        await Promise.all(targets.map((t) => t.stop()));
      }
    }
  } finally {
    loadgen.stop();
  }

  addRatios(cells);
  const info = runInfo(opts, states, notes, loadBefore);
  const markdown = markdownReport(info, cells, expectedMessages);
  console.log(`\n${markdown}`);
  writeResults(opts.out, info, cells, states, markdown);
  rmSync(workDir, { recursive: true, force: true });

  const failed = [...states.entries()].filter(([, s]) => s.failure !== undefined);
  for (const [name, state] of failed) console.error(`${name} was not measured: ${state.failure}`);
  if (failed.length > 0) process.exitCode = 1;
}

async function measureCell(
  loadgen: LoadgenProcess,
  target: TargetProcess,
  transport: Transport,
  variant: Variant,
  close: CloseMode | null,
  concurrency: number,
  opts: BenchOptions,
): Promise<CellResult> {
  const measurement = await loadgen.run({
    grpcTarget: target.grpcTarget,
    metricsUrl: target.metricsUrl,
    variant,
    concurrency,
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
    connections: opts.connections,
    authorization: opts.authorization,
    model: opts.model,
    close: close ?? "reset",
  });
  const cell: CellResult = { ...measurement, target: target.name, transport, variant, close, concurrency, cpuRatioToNoop: null };
  console.log(progressLine(cell, cellNotes(cell, expectedMessages(cell))));
  return cell;
}

/** Tollgate's CPU per request over the no-op's in the same (transport, variant, close, concurrency) cell. */
function addRatios(cells: CellResult[]): void {
  const key = (c: CellResult): string => `${c.transport}|${c.variant}|${c.close}|${c.concurrency}`;
  const floor = new Map(cells.filter((c) => c.target === "noop").map((c) => [key(c), c.serverCpuUsPerRequest]));
  for (const cell of cells) {
    const noop = floor.get(key(cell));
    if (cell.target !== "noop" && noop !== undefined && noop > 0) cell.cpuRatioToNoop = cell.serverCpuUsPerRequest / noop;
  }
}

function runInfo(opts: BenchOptions, states: Map<TargetName, TargetState>, notes: string[], loadBefore: number[]): RunInfo {
  const cpuList = cpus();
  const targets: Record<string, string> = {};
  for (const [name, state] of states) targets[name] = state.command ?? `not measured: ${state.failure?.split("\n")[0] ?? "?"}`;
  return {
    date: new Date().toISOString(),
    machine: `${cpuList[0]?.model.trim() ?? "unknown CPU"}, ${cpuList.length} cores`,
    node: process.versions.node,
    commit: gitCommit(),
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
    pinning:
      opts.serverCpu !== undefined ? `server on core ${opts.serverCpu}, load generator on core ${opts.clientCpu ?? "?"}` : "no pinning",
    windows:
      `${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s measured per cell, ` +
      `${opts.connections} HTTP/2 connection${opts.connections > 1 ? "s" : ""}`,
    targets,
    notes: [...notes, ...(opts.config ? [`Tollgate config: ${opts.config}`] : ["Tollgate config: built-in default"])],
  };
}

function writeResults(
  out: string,
  info: RunInfo,
  cells: CellResult[],
  states: Map<TargetName, TargetState>,
  markdown: string,
): void {
  const path = resolve(packageRoot, out);
  mkdirSync(dirname(path), { recursive: true });
  const failures = Object.fromEntries([...states].filter(([, s]) => s.failure).map(([n, s]) => [n, s.failure]));
  writeFileSync(path, JSON.stringify({ info, failures, cells }, null, 2) + "\n");
  writeFileSync(path.replace(/\.json$/, "") + ".md", markdown);
  console.log(`results: ${path} (+ .md)`);
}
