// The closed-loop driver: `concurrency` workers, each starting its next request-stream the moment the previous
// one ends. After the warm-up it samples the server's CPU counter and opens the measured window when the sample
// arrives; it closes the window the same way, so the request count and the server CPU cover the same interval.
import { performance } from "node:perf_hooks";
import { readServerCpuSeconds } from "./cpu.js";
import { authzExchange, extProcExchange, type ExchangeDone, type ExchangeResult } from "./exchange.js";
import { GrpcConnection } from "./h2grpc.js";
import { buildCheckRequest, buildExtProcMessages } from "./messages.js";
import { LatencyRecorder } from "./recorder.js";
import type { CellMeasurement, Outcomes, RunSpec } from "./types.js";

export interface LoadOptions extends RunSpec {
  /** Stop after this many requests instead of after warm-up + duration (smoke tests); all of them are measured. */
  requests?: number;
}

type OneRequest = (conn: GrpcConnection, done: ExchangeDone) => void;

function requestDriver(opts: LoadOptions): OneRequest {
  const content = { authorization: opts.authorization, model: opts.model };
  if (opts.variant === "authz") {
    const render = buildCheckRequest(content);
    return (conn, done) => authzExchange(conn, render, done);
  }
  const msgs = buildExtProcMessages(opts.variant, content);
  const graceful = opts.close === "graceful";
  return (conn, done) => extProcExchange(conn, msgs, graceful, done);
}

async function connect(target: string, count: number): Promise<GrpcConnection[]> {
  const conns = Array.from({ length: count }, () => new GrpcConnection(target));
  try {
    await Promise.all(conns.map((conn) => conn.ready()));
  } catch (err) {
    for (const conn of conns) conn.close();
    throw err;
  }
  return conns;
}

const DRAIN_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function zeroOutcomes(): Outcomes {
  return { complete: 0, immediate: 0, closedEarly: 0, spurious: 0, rpcError: 0 };
}

/** What one cell measured; an alias kept for callers that think in terms of the load generator. */
export type LoadReport = CellMeasurement;

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const oneRequest = requestDriver(opts);
  const conns = await connect(opts.grpcTarget, Math.max(1, opts.connections));

  const recorder = new LatencyRecorder();
  const outcomes = zeroOutcomes();
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let messages = 0;
  let recording = opts.requests !== undefined;
  let stopping = false;
  let launched = 0;

  const record = (result: ExchangeResult, ms: number): void => {
    recorder.add(ms);
    outcomes[result.outcome] += 1;
    messages += result.messages;
    if (result.status !== undefined) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    if (result.detail !== undefined && errorSamples.length < 5) errorSamples.push(result.detail);
  };

  const worker = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const conn = conns[index % conns.length];
      if (!conn) return resolve();
      const next = (): void => {
        if (stopping || (opts.requests !== undefined && launched >= opts.requests)) return resolve();
        launched += 1;
        const started = performance.now();
        oneRequest(conn, (result) => {
          if (recording) record(result, performance.now() - started);
          next();
        });
      };
      next();
    });

  // A window edge: the moment the server's CPU sample arrives, plus our own CPU at that moment.
  const edge = async (): Promise<{ serverCpu: number; clientCpu: number; at: number }> => {
    const serverCpu = opts.metricsUrl === null ? 0 : await readServerCpuSeconds(opts.metricsUrl);
    const own = process.cpuUsage();
    return { serverCpu, clientCpu: (own.user + own.system) / 1e6, at: performance.now() };
  };

  let start: Awaited<ReturnType<typeof edge>>;
  let end: Awaited<ReturnType<typeof edge>>;
  try {
    if (opts.requests !== undefined) {
      start = await edge();
      await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => worker(i)));
      end = await edge();
    } else {
      const workers = Array.from({ length: opts.concurrency }, (_, i) => worker(i));
      await sleep(opts.warmupMs);
      start = await edge();
      recording = true;
      await sleep(opts.durationMs);
      end = await edge();
      recording = false;
      stopping = true;
      // Streams the server never answers would hold the loop forever; they are reported, not waited for.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_MS)));
      const drained = await Promise.race([Promise.all(workers).then(() => true), timeout]);
      clearTimeout(timer);
      if (!drained) errorSamples.push(`request-streams still unanswered ${DRAIN_MS} ms after the window closed`);
    }
  } finally {
    for (const conn of conns) conn.close();
  }

  const connectionsLost = conns.reduce((n, conn) => n + conn.lost, 0);
  const lossReason = conns.find((c) => c.lost > 0)?.lastLossReason;
  if (lossReason !== undefined) errorSamples.unshift(`HTTP/2 connection lost: ${lossReason}`);
  const requests = recorder.size;
  const seconds = (end.at - start.at) / 1000;
  const serverCpu = end.serverCpu - start.serverCpu;
  return {
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    latency: recorder.summary(),
    outcomes,
    messagesPerRequest: requests > 0 ? messages / requests : 0,
    serverCpuUsPerRequest: requests > 0 ? (serverCpu * 1e6) / requests : 0,
    serverBusy: serverCpu / seconds,
    clientBusy: (end.clientCpu - start.clientCpu) / seconds,
    statuses,
    connectionsLost,
    errorSamples,
  };
}
