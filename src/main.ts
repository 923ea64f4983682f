#!/usr/bin/env node
// The `tollgate` command: serve, validate, and the subcommands later rooms add (scan, audit).
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { startTollgate, type ServerOverrides } from "./app.js";
import { BUILTIN_CONFIG_PATH, ConfigLoadError, formatConfigError, loadConfigFile } from "./config/load.js";
import { createLogger } from "./telemetry/logger.js";
import { runAudit } from "./telemetry/audit-cli.js";
import { runScan } from "./guardrails/cli-scan.js";

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: tollgate <command> [options]

commands:
  serve     run the gRPC (ext_proc, ext_authz, health) and admin servers
            --config FILE        config file (default: $TOLLGATE_CONFIG or the built-in config)
            --grpc-host HOST     --grpc-port PORT ($TOLLGATE_GRPC_PORT)   --grpc-socket PATH ($TOLLGATE_GRPC_SOCKET)
            --admin-host HOST    --admin-port PORT ($TOLLGATE_ADMIN_PORT)
            --log-level LEVEL    (default: $TOLLGATE_LOG_LEVEL or info)
  validate  check a config file; prints each error with file:line:column and exits 1 if there are any
            tollgate validate FILE
  audit     tollgate audit verify FILE: check an audit log's hash chain; names the first broken or missing record
  scan      run a guardrail evaluator on text
            tollgate scan --evaluator NAME [--threshold T] TEXT...     one verdict (JSON) per text
            tollgate scan --evaluator NAME [--threshold T] --jsonl     stdin lines {"text": …} → one verdict per line
            names: prompt_injection, protect_flash, pii, toxicity, content_safety, secrets
`;

function port(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${what} must be a port number (0-65535), got "${value}"`);
  return n;
}

class UsageError extends Error {}

async function serve(args: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      "grpc-host": { type: "string" },
      "grpc-port": { type: "string" },
      "grpc-socket": { type: "string" },
      "admin-host": { type: "string" },
      "admin-port": { type: "string" },
      "log-level": { type: "string" },
    },
    strict: true,
  });
  const overrides: ServerOverrides = {};
  const grpcPort = port(values["grpc-port"] ?? env.TOLLGATE_GRPC_PORT, "--grpc-port");
  const adminPort = port(values["admin-port"] ?? env.TOLLGATE_ADMIN_PORT, "--admin-port");
  const socket = values["grpc-socket"] ?? env.TOLLGATE_GRPC_SOCKET;
  if (grpcPort !== undefined) overrides.grpcPort = grpcPort;
  if (adminPort !== undefined) overrides.adminPort = adminPort;
  if (socket) overrides.grpcSocket = socket;
  if (values["grpc-host"]) overrides.grpcHost = values["grpc-host"];
  if (values["admin-host"]) overrides.adminHost = values["admin-host"];
  const logger = createLogger({ ...(values["log-level"] ? { level: values["log-level"] } : {}) });
  const configFile = values.config ?? env.TOLLGATE_CONFIG ?? BUILTIN_CONFIG_PATH;
  let app;
  try {
    app = await startTollgate({ configFile, overrides, logger, watch: true, env });
  } catch (err) {
    if (err instanceof ConfigLoadError) {
      io.stderr.write(`${err.errors.map(formatConfigError).join("\n")}\n`);
      return 1;
    }
    throw err;
  }
  const running = app;
  await new Promise<void>((resolve) => {
    // SIGTERM (orchestrators) drains with the configured delay; SIGINT (a person at a terminal) stops at once.
    const shutdown = (signal: string) => {
      logger.info({ signal }, "shutting down");
      void running.stop({ immediate: signal === "SIGINT" }).then(resolve, (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        resolve();
      });
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGHUP", () => void running.config.reload());
  });
  logger.flush();
  return 0;
}

function validate(args: string[], io: Io, env: NodeJS.ProcessEnv): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError("validate takes exactly one FILE");
  const file = positionals[0]!;
  try {
    const loaded = loadConfigFile(file, env);
    for (const w of loaded.warnings) io.stderr.write(`${file}: warning: ${w}\n`);
    io.stdout.write(`${file}: ok (${loaded.config.routes.length} routes, ${loaded.config.providers.length} providers, ${loaded.config.auth.keys.length} keys)\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigLoadError) {
      io.stderr.write(`${err.errors.map(formatConfigError).join("\n")}\n`);
      return 1;
    }
    throw err;
  }
}

export async function run(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "serve":
        return await serve(rest, io, env);
      case "validate":
        return validate(rest, io, env);
      case "audit":
        return await runAudit(rest, io);
      case "scan":
        return await runScan(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))) {
      io.stderr.write(`tollgate: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  run(process.argv.slice(2), process).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`tollgate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
