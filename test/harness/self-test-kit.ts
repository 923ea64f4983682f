// Shared setup for the emulator's self-tests: one scripted gRPC server (ext_proc + ext_authz), two test upstreams
// and an emulator per test built from test/harness/fixtures/emulator-test.yaml.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startEnvoyEmulator, type EnvoyEmulator } from "./emulator/emulator.js";
import type { EmulatorOverrides } from "./emulator/settings.js";
import { startFakeExtProc, type CheckHandler, type FakeExtProc, type FakeStream, type IncomingProcessingRequest } from "./fake-ext-proc.js";
import { startTestUpstream, type TestUpstream } from "./test-upstream.js";

export const FIXTURE = join(import.meta.dirname, "fixtures", "emulator-test.yaml");

export type Phase = NonNullable<IncomingProcessingRequest["request"]>;
export type Replies = Partial<Record<Phase, object | ((m: IncomingProcessingRequest) => object)>>;

/** Answers every message with a reply of the matching kind (CONTINUE unless `replies` says otherwise). */
export async function answerAll(stream: FakeStream, replies: Replies = {}): Promise<void> {
  for (let m = await stream.next(); m; m = await stream.next()) {
    const kind = m.request;
    if (!kind) continue;
    const custom = replies[kind];
    stream.reply(custom === undefined ? { [kind]: {} } : typeof custom === "function" ? custom(m) : custom);
  }
}

export interface Kit {
  fake: FakeExtProc;
  upstreamA: TestUpstream;
  upstreamB: TestUpstream;
  /** The script the next ext_proc stream runs (default: answerAll). */
  script: (stream: FakeStream) => Promise<void>;
  check: CheckHandler;
  emulator(overrides?: EmulatorOverrides): Promise<EnvoyEmulator>;
  closeEmulators(): Promise<void>;
  close(): Promise<void>;
}

export async function startKit(): Promise<Kit> {
  const emulators: EnvoyEmulator[] = [];
  // The closures run only once streams arrive, after `kit` exists.
  const fake = await startFakeExtProc({ process: (s) => kit.script(s), check: (r) => kit.check(r) });
  const kit: Kit = {
    fake,
    upstreamA: await startTestUpstream(),
    upstreamB: await startTestUpstream(),
    script: (s) => answerAll(s),
    check: () => ({ status: { code: 0 } }),
    async emulator(overrides) {
      const e = await startEnvoyEmulator({
        configPath: FIXTURE,
        clusters: {
          ext_proc_server: { host: "127.0.0.1", port: kit.fake.port },
          upstream_a: kit.upstreamA.url,
          upstream_b: kit.upstreamB.url,
        },
        ...(overrides ? { overrides } : {}),
      });
      emulators.push(e);
      return e;
    },
    async closeEmulators() {
      await Promise.all(emulators.splice(0).map((e) => e.close()));
      kit.script = (s) => answerAll(s);
      kit.check = () => ({ status: { code: 0 } });
    },
    async close() {
      await kit.closeEmulators();
      await Promise.all([kit.fake.close(), kit.upstreamA.close(), kit.upstreamB.close()]);
    },
  };
  return kit;
}

/**
 * Registers the file's hooks (one kit per file, emulators closed after each test) and returns a handle that
 * forwards to the live kit. Call at module level.
 */
export function useKit(): Kit {
  let live: Kit | undefined;
  beforeAll(async () => {
    live = await startKit();
  });
  afterEach(() => live?.closeEmulators());
  afterAll(() => live?.close());
  const kit = (): Kit => {
    if (!live) throw new Error("the kit starts in beforeAll; use it inside a test");
    return live;
  };
  return {
    get fake() {
      return kit().fake;
    },
    get upstreamA() {
      return kit().upstreamA;
    },
    get upstreamB() {
      return kit().upstreamB;
    },
    get script() {
      return kit().script;
    },
    set script(value) {
      kit().script = value;
    },
    get check() {
      return kit().check;
    },
    set check(value) {
      kit().check = value;
    },
    emulator: (overrides) => kit().emulator(overrides),
    closeEmulators: () => kit().closeEmulators(),
    close: () => kit().close(),
  };
}
