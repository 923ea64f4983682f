// The test harness's public surface: the Envoy emulator, the fake provider and the scripted ext_proc server.
export { startEnvoyEmulator, type ClusterMapping, type EmulatorOptions, type EnvoyEmulator } from "./emulator/emulator.js";
export type { EmulatorOverrides } from "./emulator/settings.js";
export { extProcSequence, type ExtProcMessageRecord, type RequestRecord, type UpstreamAttemptRecord } from "./emulator/recorder.js";
export type { GrpcTarget } from "./emulator/grpc-clients.js";
export { CONTROL, startTestUpstream, type ReceivedRequest, type TestUpstream } from "./test-upstream.js";
export { headersOf, setHeader, startFakeExtProc, type FakeExtProc, type FakeStream, type IncomingProcessingRequest } from "./fake-ext-proc.js";
export { makeTestPki, type TestPki } from "./test-pki.js";
export { loadGatewayModel, type GatewayModel } from "./envoy-config/model.js";
