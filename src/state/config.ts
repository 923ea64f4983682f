// Store configuration (mounted by the main config under `store:`) and the factory that builds a Store from it.
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { MemoryStore } from "./memory.js";
import { RedisStore } from "./redis/store.js";
import type { Store } from "./store.js";

const redisUrl = z
  .string()
  .regex(/^rediss?:\/\/\S+$/, "must be a redis:// or rediss:// URL");

export const storeSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("memory") }).strict(),
    z
      .object({
        kind: z.literal("redis"),
        /** One URL for standalone Redis; several with `cluster: true` for Redis Cluster seed nodes. */
        url: z.union([redisUrl, z.array(redisUrl).min(1)]),
        cluster: z.boolean().default(false),
        /** The password (Redis AUTH / ACL user's), as a secret reference rather than inside the URL. */
        password: secretRef.optional(),
        key_prefix: z.string().min(1).default("tollgate:"),
        /**
         * A command that takes longer counts as a store failure (each limit's fail mode applies). Keep it well under
         * the ext_proc phase budget.
         */
        command_timeout_ms: z.number().int().positive().max(5_000).default(50),
        connect_timeout_ms: z.number().int().positive().max(60_000).default(2_000),
      })
      .strict(),
  ])
  .default({ kind: "memory" });

export type StoreConfig = z.infer<typeof storeSchema>;

/** `password` is the resolved value of the config's `password` secret, which wins over one in the URL. */
export function createStore(config: StoreConfig, options: { clock?: () => number; password?: string | undefined } = {}): Store {
  const { password, ...storeOptions } = options;
  if (config.kind === "memory") return new MemoryStore(storeOptions);
  const urls = Array.isArray(config.url) ? config.url : [config.url];
  const redisOptions: RedisOptions = {
    commandTimeout: config.command_timeout_ms,
    connectTimeout: config.connect_timeout_ms,
    // Fail fast while disconnected (the limit's fail mode decides) instead of queueing behind the outage.
    enableOfflineQueue: false,
    // Never resend a command after a reconnect: a lease whose reply was lost must not be taken twice.
    maxRetriesPerRequest: 0,
    // Reconnect for ever with capped back-off: the store recovers by itself when Redis comes back.
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    ...(password !== undefined ? { password } : {}),
  };
  if (config.cluster) {
    const nodes = urls.map((url) => {
      const parsed = new URL(url);
      return { host: parsed.hostname, port: Number(parsed.port || 6379) };
    });
    const first = new URL(urls[0]!);
    const tls = first.protocol === "rediss:" ? {} : undefined;
    const client = new Cluster(nodes, {
      enableOfflineQueue: false,
      clusterRetryStrategy: redisOptions.retryStrategy,
      redisOptions: {
        ...redisOptions,
        username: decodeURIComponent(first.username) || undefined,
        password: password ?? (decodeURIComponent(first.password) || undefined),
        tls,
      },
    });
    return new RedisStore(client, { prefix: config.key_prefix, ownsClient: true, ...storeOptions });
  }
  return new RedisStore(new Redis(urls[0]!, redisOptions), { prefix: config.key_prefix, ownsClient: true, ...storeOptions });
}
