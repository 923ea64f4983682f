// Runs a CLI entry point (run, runAudit, runScan) with in-memory stdio and returns its exit code and output.
import { PassThrough } from "node:stream";
import type { Io } from "../../src/main.js";

export async function captureCli(entry: (args: string[], io: Io) => Promise<number>, args: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const input = new PassThrough();
  input.end(stdin);
  const code = await entry(args, { stdin: input, stdout, stderr });
  return { code, out, err };
}
