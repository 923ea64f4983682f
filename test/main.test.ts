import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { run } from "../src/main.js";
import { BUILTIN_CONFIG_PATH } from "../src/config/load.js";
import { BASE_CONFIG, writeTempConfig } from "./helpers/tollgate.js";
import { grpcClient, method } from "./helpers/extproc-client.js";
import { captureCli } from "./helpers/cli.js";

const cli = (args: string[]) => captureCli((a, io) => run(a, io, {}), args);

describe("tollgate CLI", () => {
  it("validate accepts a good file", async () => {
    const r = await cli(["validate", BUILTIN_CONFIG_PATH]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok \(5 routes, 5 providers, 1 keys\)/);
  });

  it("validate prints each error with its line and exits 1", async () => {
    const file = writeTempConfig(`${BASE_CONFIG}\nunknwon_paths: pass\n`);
    const r = await cli(["validate", file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:`);
    expect(r.err).toMatch(/:\d+:1: unknwon_paths: unknown key/);
  });

  it("dispatches audit verify", async () => {
    const r = await cli(["audit", "verify", "/nonexistent/audit.jsonl"]);
    expect(r.code).toBe(1);
    expect(r.err + r.out).toContain("/nonexistent/audit.jsonl");
    expect((await cli(["audit"])).code).toBe(2);
  });

  it("rejects unknown commands and bad flags with usage", async () => {
    expect((await cli(["frobnicate"])).code).toBe(2);
    const bad = await cli(["serve", "--grpc-port", "99999"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--grpc-port must be a port number/);
    expect((await cli(["serve", "--no-such-flag"])).code).toBe(2);
  });
});

describe("tollgate serve (a real process)", () => {
  it("serves health, then drains and exits 0 on SIGTERM", async () => {
    const config = writeTempConfig(`${BASE_CONFIG}\nserver: { drain_delay_ms: 0 }\n`);
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "serve", "--config", config, "--grpc-port", "0", "--admin-port", "0"], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let logs = "";
    const serving = new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        logs += d.toString();
        const m = /"grpc_port":(\d+)/.exec(logs);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", () => reject(new Error(`exited early: ${logs}`)));
    });
    const port = await serving;
    const client = grpcClient(`127.0.0.1:${port}`, "health");
    const status = await new Promise<string>((resolve, reject) =>
      method(client, "Check")({ service: "" }, (err: grpc.ServiceError | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))),
    );
    client.close();
    expect(status).toBe("SERVING");
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(logs).toContain('"msg":"stopped"');
  }, 30_000);
});
