// The orchestrator's handle on the load generator process (bench/loadgen.ts), pinned to the client core and kept
// for the whole run so that process start-up never lands inside a measurement.
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import type { LoadgenReply, LoadgenRequest } from "../loadgen.js";
import type { LoadOptions } from "./load.js";
import { pinPrefix } from "./targets.js";
import type { CellMeasurement } from "./types.js";

export class LoadgenProcess {
  private readonly child: ChildProcess;
  private exited = false;

  constructor(cpu: string | undefined) {
    const pin = pinPrefix(cpu);
    // fork() keeps the IPC channel; taskset execs node in place, so the channel's file descriptor survives.
    this.child = fork(join(packageRoot, "bench", "loadgen.ts"), [], {
      execPath: pin[0] ?? process.execPath,
      execArgv: [...pin.slice(1), ...(pin.length > 0 ? [process.execPath] : []), "--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.once("exit", () => {
      this.exited = true;
    });
  }

  run(options: LoadOptions): Promise<CellMeasurement> {
    if (this.exited) return Promise.reject(new Error("the load generator process has exited"));
    return new Promise((resolve, reject) => {
      const onMessage = (reply: LoadgenReply): void => {
        cleanup();
        if (reply.type === "result") resolve(reply.report);
        else reject(new Error(reply.message));
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`the load generator exited (${code}) during a run`));
      };
      const cleanup = (): void => {
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      const request: LoadgenRequest = { type: "run", options };
      this.child.send(request);
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  stop(): void {
    if (!this.exited) this.child.disconnect();
  }
}
