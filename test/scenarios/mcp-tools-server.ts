// A real MCP server, built with the official SDK (McpServer + StreamableHTTPServerTransport), standing behind the
// emulator's mcp_tools cluster. It records every JSON-RPC message that reaches it, so a scenario can prove that a
// denied or blocked call never got here. Each session answers either with JSON or with an SSE stream, chosen by the
// client at initialize (header x-mcp-response: json | sse), so both of Tollgate's response paths are exercised.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

/** One JSON-RPC message as the MCP server received it (after Envoy and Tollgate). */
export interface McpReceived {
  method: string | undefined;
  /** tools/call only. */
  tool?: string;
  arguments?: unknown;
  /** The raw HTTP body the message came in, to assert on bytes. */
  raw: string;
}

export interface McpToolsServer {
  url: string;
  received: McpReceived[];
  /** Every tools/call that reached the server, in order. */
  toolCalls(): McpReceived[];
  close(): Promise<void>;
}

/** The tools this server offers; scenarios configure Tollgate to allow some of them. */
export const TOOLS = {
  search_docs: "Search the product documentation",
  read_file: "Read a file from the project",
  admin_reset: "Reset every user's password",
  delete_records: "Delete customer records",
} as const;

function buildServer(): McpServer {
  const server = new McpServer({ name: "scenario-tools", version: "1.0.0" });
  server.registerTool("search_docs", { description: TOOLS.search_docs, inputSchema: { query: z.string() } }, ({ query }) => ({
    content: [{ type: "text", text: `3 documents match "${query}".` }],
  }));
  server.registerTool("read_file", { description: TOOLS.read_file, inputSchema: { path: z.string(), note: z.string().optional() } }, ({ path }) => ({
    content: [{ type: "text", text: `Contents of ${path}: release notes for version 2.` }],
  }));
  server.registerTool("admin_reset", { description: TOOLS.admin_reset, inputSchema: {} }, () => ({ content: [{ type: "text", text: "all passwords reset" }] }));
  server.registerTool("delete_records", { description: TOOLS.delete_records, inputSchema: { customer: z.string() } }, ({ customer }) => ({
    content: [{ type: "text", text: `deleted ${customer}` }],
  }));
  return server;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function record(received: McpReceived[], raw: string, parsed: unknown): void {
  for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
    const msg = (typeof m === "object" && m !== null ? m : {}) as { method?: unknown; params?: { name?: unknown; arguments?: unknown } };
    const entry: McpReceived = { method: typeof msg.method === "string" ? msg.method : undefined, raw };
    if (msg.method === "tools/call") {
      if (typeof msg.params?.name === "string") entry.tool = msg.params.name;
      entry.arguments = msg.params?.arguments;
    }
    received.push(entry);
  }
}

export async function startMcpToolsServer(): Promise<McpToolsServer> {
  const received: McpReceived[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http: Server = createServer((req, res) => {
    void (async () => {
      const sessionId = req.headers["mcp-session-id"];
      const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
      if (req.method === "GET") {
        // No server-initiated stream: the spec lets a server answer 405 and clients carry on without one.
        res.writeHead(405, { allow: "POST, DELETE" }).end();
        return;
      }
      if (req.method === "DELETE") {
        if (existing) await existing.handleRequest(req, res);
        else res.writeHead(404).end();
        return;
      }
      const raw = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
        return;
      }
      record(received, raw, parsed);
      if (existing) {
        await existing.handleRequest(req, res, parsed);
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: req.headers["x-mcp-response"] === "json",
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await buildServer().connect(transport);
      await transport.handleRequest(req, res, parsed);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    toolCalls: () => received.filter((r) => r.method === "tools/call"),
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => undefined)));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
