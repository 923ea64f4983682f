// The ext_proc stream loop: one Exchange per gRPC stream, messages handled strictly in arrival order so replies
// go out FIFO (Envoy applies streamed-chunk replies to the oldest outstanding chunk). Survives CANCELLED or a
// half-close at any point; state lives only in the Exchange and is dropped with the stream.
import * as grpc from "@grpc/grpc-js";
import type { Runtime } from "../config/runtime.js";
import type { ProcessingRequest, ProcessingResponse } from "../envoy/types.js";
import { Exchange, ProtocolError } from "../exchange/exchange.js";
import type { Logger } from "../telemetry/logger.js";
import type { Metrics } from "../telemetry/metrics.js";
import type { Tracing } from "../telemetry/tracing.js";
import type { AuditLog } from "../telemetry/audit.js";

export type ProcessCall = grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>;

export interface ExtProcDeps {
  runtime: () => Runtime;
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
  audit?: AuditLog | undefined;
}

export class ExtProcService {
  private readonly open = new Set<Promise<void>>();

  constructor(private readonly deps: ExtProcDeps) {}

  get inflight(): number {
    return this.open.size;
  }

  /** Resolves when every stream open now has ended. */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.open]);
  }

  readonly handler = (call: ProcessCall): void => {
    const { metrics, logger, tracing, audit } = this.deps;
    // The config in force when the stream opened serves the whole request, even if a reload lands meanwhile.
    const exchange = new Exchange({ runtime: this.deps.runtime(), logger, metrics, tracing, audit });
    metrics.inflightStreams.inc();
    let queue: Promise<void> = Promise.resolve();
    let closed = false;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    this.open.add(done);

    // Runs after every queued message is answered, so a half-close still gets its replies first.
    const finish = (how: "closed" | "cancelled" | "error") => {
      void queue
        .then(() => exchange.finish(how))
        .catch((err: unknown) => logger.error({ err }, "finishing an exchange failed"))
        .finally(() => {
          if (this.open.delete(done)) metrics.inflightStreams.dec();
          resolveDone();
        });
    };

    call.on("data", (msg: ProcessingRequest) => {
      queue = queue.then(async () => {
        if (closed) return;
        try {
          const reply = await exchange.process(msg);
          if (reply && !closed) call.write(reply);
          if (exchange.complete && !closed) {
            // Nothing more will come for this request: close with OK now, so the request is finished and recorded
            // without waiting for Envoy to tear the stream down when its filter is destroyed. With Envoy's graceful
            // close (runtime ext_proc_graceful_grpc_close) this OK is what Envoy waits for instead of resetting the
            // stream (AsyncStreamImpl::waitForRemoteCloseAndDelete, source/common/grpc/async_client_impl.cc).
            closed = true;
            call.end();
            finish("closed");
          }
        } catch (err) {
          const protocol = err instanceof ProtocolError;
          metrics.streamErrors.inc({ reason: protocol ? "protocol" : "internal" });
          logger.warn({ err }, "ext_proc stream ended with an error");
          if (!closed) {
            closed = true;
            call.emit("error", { code: protocol ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
          }
          finish("error");
        }
      });
    });
    // Half-close from Envoy: answer what is queued, then close our side with OK.
    call.on("end", () => {
      queue = queue.then(() => {
        if (!closed) {
          closed = true;
          call.end();
        }
      });
      finish("closed");
    });
    call.on("cancelled", () => {
      closed = true;
      finish("cancelled");
    });
    call.on("error", (err: Error) => {
      logger.debug({ err }, "ext_proc stream error");
      closed = true;
      finish("error");
    });
  };
}
