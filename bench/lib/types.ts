// Shared vocabulary of the ext_proc benchmark: what one measurement cell is and what it reports. The orchestrator,
// the load generator process and the report all speak these types (the load generator receives them over IPC).

/** The message patterns the load generator can drive, each the way Envoy drives Tollgate's shipped modes. */
export const VARIANTS = ["buffered", "sse", "authz"] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_DESCRIPTIONS: Record<Variant, string> = {
  buffered: "ext_proc, 4 messages: request headers, 1 KB chat body (BUFFERED), response headers, 1 KB completion",
  sse: "ext_proc, SSE response: request headers + body, response headers, 50 chunks pipelined (after mode_override STREAMED)",
  authz: "ext_authz Check (unary)",
};

export const TRANSPORTS = ["tcp", "uds"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * noop: the floor (replies CONTINUE to everything); passthrough: Tollgate with auth and routing only
 * (bench/passthrough.yaml); tollgate: Tollgate with the built-in config's guardrails, budget checks and audit, caps
 * raised so they never refuse (bench/guarded.yaml), or the --config file.
 */
export const TARGETS = ["noop", "passthrough", "tollgate"] as const;
export type TargetName = (typeof TARGETS)[number];

/** What the orchestrator asks the load generator to run: one cell. */
export interface RunSpec {
  /** gRPC target as grpc-js spells it: "127.0.0.1:50051" or "unix:/tmp/x.sock". */
  grpcTarget: string;
  /**
   * The server's Prometheus endpoint, read before and after the measured window for its CPU counters;
   * null skips server CPU (tests against servers that have no such endpoint).
   */
  metricsUrl: string | null;
  variant: Variant;
  /** Closed loop: this many request-streams in flight at all times. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** HTTP/2 connections to spread the streams over (Envoy: one per worker thread). */
  connections: number;
  /** Value of the `authorization` request header. */
  authorization: string;
  /** `model` in the request bodies. */
  model: string;
  /**
   * How each ext_proc stream ends after its last reply. "reset": Envoy's default, END_STREAM then RST_STREAM.
   * "graceful": Envoy's ext_proc_graceful_grpc_close (≥1.34, off by default): END_STREAM, then wait for the server.
   */
  close: CloseMode;
}

export const CLOSE_MODES = ["reset", "graceful"] as const;
export type CloseMode = (typeof CLOSE_MODES)[number];

/** How a request-stream ended, from the client's point of view. */
export interface Outcomes {
  /** Every phase was sent and answered (ext_authz: allowed). */
  complete: number;
  /** The server answered with immediate_response (ext_authz: denied); Envoy would send no more messages. */
  immediate: number;
  /** The server closed the stream with OK before the last phase; Envoy passes the rest through unmodified. */
  closedEarly: number;
  /** A reply of the wrong kind for the pending phase; Envoy ≥1.35 fails the HTTP request with 500. */
  spurious: number;
  /** The RPC failed (non-OK status, connection lost). */
  rpcError: number;
}

export interface LatencySummary {
  /** Milliseconds from opening the stream (or sending the Check) to the last reply. */
  p50: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
}

/** What the load generator measured in the window between its two server CPU samples. */
export interface CellMeasurement {
  requests: number;
  /** Wall-clock length of the measured window, seconds. */
  seconds: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  outcomes: Outcomes;
  /** gRPC messages the client sent per request-stream (shows whether the server got the pattern we meant). */
  messagesPerRequest: number;
  /** Server CPU (user + system) spent in the window, microseconds per request. */
  serverCpuUsPerRequest: number;
  /** Server CPU seconds / wall seconds; under ~0.8 the server core was idle part of the time. */
  serverBusy: number;
  /** Load generator CPU seconds / wall seconds; near 1.0 means the client was the bottleneck. */
  clientBusy: number;
  /** HTTP status → count for immediate responses / denied Checks. */
  statuses: Record<string, number>;
  /** HTTP/2 connections the server dropped during the cell (GOAWAY, reset), warm-up included. */
  connectionsLost: number;
  /** The first few error details, so a broken target explains itself. */
  errorSamples: string[];
}

export interface CellResult extends CellMeasurement {
  target: TargetName;
  transport: Transport;
  variant: Variant;
  /** How ext_proc streams were ended; null for ext_authz (unary). */
  close: CloseMode | null;
  concurrency: number;
  /** Tollgate's CPU per request divided by the no-op server's in the same cell; null for the no-op itself. */
  cpuRatioToNoop: number | null;
}
