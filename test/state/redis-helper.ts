// Redis for tests: the shared server on 6379 (started if it is not up), and private servers on spare ports that a
// test may stop and restart to see Redis go away and come back.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const SHARED_REDIS_URL = "redis://127.0.0.1:6379";

function ping(port: number, password?: string): boolean {
  try {
    const auth = password === undefined ? [] : ["--no-auth-warning", "-a", password];
    return execFileSync("redis-cli", ["-p", String(port), ...auth, "ping"], { encoding: "utf8", timeout: 2_000, stdio: ["ignore", "pipe", "ignore"] }).trim() === "PONG";
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Make sure the shared Redis on 6379 runs (the command is the project's documented one). */
export async function ensureSharedRedis(): Promise<void> {
  if (ping(6379)) return;
  execFileSync("redis-server", [
    "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "", "--appendonly", "no",
    "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
  ]);
  await waitFor(() => ping(6379), "shared redis");
}

/** A unique key prefix per test file, so concurrent runs never see each other's counters. */
export function testPrefix(name: string): string {
  return `tgtest:${name}:${randomBytes(4).toString("hex")}:`;
}

/** Delete every key under a prefix (SCAN, not KEYS, so the shared server is not blocked). */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A private redis-server this test owns: it can be stopped (SIGKILL, like a crash) and started again. */
export class PrivateRedis {
  #child: ChildProcess | undefined;
  readonly #dir = mkdtempSync(join(tmpdir(), "tollgate-redis-"));

  private constructor(
    readonly port: number,
    /** With a password the server requires AUTH (requirepass). */
    readonly password?: string,
  ) {}

  static async start(options: { password?: string } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await sparePort(), options.password);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.#dir, ...(this.password === undefined ? [] : ["--requirepass", this.password])],
      { stdio: "ignore" },
    );
    await waitFor(() => ping(this.port, this.password), `redis on ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.#child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
