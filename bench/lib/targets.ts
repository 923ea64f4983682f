// Starts the servers under test as separate processes, pinned to the server core, with the same command-line
// interface: `--grpc-port P --admin-port Q [--grpc-socket PATH] [--config FILE]`, CPU counters on
// http://127.0.0.1:Q/metrics. Logs go to files, not pipes, so reading them never competes for a benchmark core.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { fetchText, parseProcessCpuSeconds } from "./cpu.js";
import { GrpcConnection } from "./h2grpc.js";
import type { TollgateSource } from "./options.js";
import type { TargetName, Transport } from "./types.js";

export interface TargetProcess {
  name: TargetName;
  /** What ran, e.g. "node dist/src/main.js serve (compiled build, production mode)". */
  command: string;
  grpcTarget: string;
  metricsUrl: string;
  logFile: string;
  stop(): Promise<void>;
}

/** The target cannot run at all (entry point missing); the benchmark goes on without it. */
export class TargetUnavailable extends Error {}

export interface StartOptions {
  transport: Transport;
  workDir: string;
  cpu: string | undefined;
  config: string | undefined;
  tollgateFrom: TollgateSource;
}

/**
 * The environment for a server under test: production mode, and without the two TOLLGATE_* variables that would
 * replace what the benchmark chose (the built-in config unless --config; TCP only for the tcp transport). Others,
 * such as secrets a --config file refers to, pass through.
 */
function targetEnv(): NodeJS.ProcessEnv {
  const { TOLLGATE_CONFIG: _config, TOLLGATE_GRPC_SOCKET: _socket, ...env } = process.env;
  return { ...env, NODE_ENV: "production" };
}

/** `taskset -c CPU` when pinning was asked for and taskset exists. */
export function pinPrefix(cpu: string | undefined): string[] {
  if (cpu === undefined) return [];
  if (spawnSync("taskset", ["-V"], { stdio: "ignore" }).status !== 0) {
    throw new Error("taskset (util-linux) is not installed; install it or pass --no-pin");
  }
  return ["taskset", "-c", cpu];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The node arguments that run a target's entry point, and how to show them. */
export function entryPoint(name: TargetName, from: TollgateSource): { args: string[]; display: string; warning?: string } {
  if (name === "noop") {
    return { args: ["--import", "tsx", join(packageRoot, "bench", "noop-server.ts")], display: "node --import tsx bench/noop-server.ts" };
  }
  const dist = join(packageRoot, "dist", "src", "main.js");
  const src = join(packageRoot, "src", "main.ts");
  if (from !== "src" && existsSync(dist)) {
    const stale = newestMtime(join(packageRoot, "src")) > statSync(dist).mtimeMs;
    return {
      args: [dist, "serve"],
      display: "node dist/src/main.js serve (compiled build, production mode)",
      ...(stale ? { warning: "dist/ is older than src/: run `npm run build` for numbers that match the source" } : {}),
    };
  }
  if (from === "dist") throw new TargetUnavailable("dist/src/main.js not found: run `npm run build` first");
  if (!existsSync(src)) throw new TargetUnavailable("src/main.ts does not exist yet, so Tollgate cannot be started");
  return {
    args: ["--import", "tsx", src, "serve"],
    display: "node --import tsx src/main.ts serve (from source; `npm run build` to measure the compiled build)",
  };
}

/** The config a Tollgate target runs: --config for `tollgate` when given, else the bench's own files. */
function targetConfig(name: TargetName, given: string | undefined): string {
  if (name === "tollgate" && given) return given;
  return join(packageRoot, "bench", name === "passthrough" ? "passthrough.yaml" : "guarded.yaml");
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Polls until the admin endpoint serves CPU counters and the gRPC listener completes an HTTP/2 handshake. */
async function waitReady(child: ChildProcess, metricsUrl: string, grpcTarget: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready; log ${logFile}:\n${logTail(logFile)}`);
    }
    try {
      parseProcessCpuSeconds(await fetchText(metricsUrl, 2000));
      const conn = new GrpcConnection(grpcTarget);
      try {
        await conn.ready(2000);
      } finally {
        conn.close();
      }
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`not ready after 60 s (${lastError}); log ${logFile}:\n${logTail(logFile)}`);
}

export async function startTarget(name: TargetName, opts: StartOptions): Promise<TargetProcess & { warning?: string }> {
  const entry = entryPoint(name, opts.tollgateFrom);
  const [grpcPort, adminPort] = [await freePort(), await freePort()];
  const socket = opts.transport === "uds" ? join(opts.workDir, `${name}.sock`) : undefined;
  const args = [
    ...entry.args,
    "--grpc-port",
    String(grpcPort),
    "--admin-port",
    String(adminPort),
    ...(socket ? ["--grpc-socket", socket] : []),
    ...(name === "noop" ? [] : ["--config", targetConfig(name, opts.config)]),
  ];
  const pin = pinPrefix(opts.cpu);
  const logFile = join(opts.workDir, `${name}-${opts.transport}.log`);
  const logFd = openSync(logFile, "a");
  const [command, ...rest] = [...pin, process.execPath, ...args];
  const child = spawn(command ?? process.execPath, rest, {
    cwd: packageRoot,
    stdio: ["ignore", logFd, logFd],
    env: targetEnv(),
  });
  closeSync(logFd);
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const grpcTarget = socket ? `unix:${socket}` : `127.0.0.1:${grpcPort}`;
  const metricsUrl = `http://127.0.0.1:${adminPort}/metrics`;
  const stop = async (): Promise<void> => {
    process.off("exit", killOnExit);
    // SIGINT: Tollgate stops at once (SIGTERM would wait out its drain delay, which has nothing to drain here).
    child.kill("SIGINT");
    if (!(await waitForExit(child, 5000))) {
      child.kill("SIGKILL");
      await waitForExit(child, 2000);
    }
  };
  try {
    await waitReady(child, metricsUrl, grpcTarget, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name,
    command: entry.display,
    grpcTarget,
    metricsUrl,
    logFile,
    stop,
    ...(entry.warning ? { warning: entry.warning } : {}),
  };
}
