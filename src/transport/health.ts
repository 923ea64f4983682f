// grpc.health.v1 (Check and Watch) via grpc-health-check. Envoy's active health check calls Check with the
// cluster's configured service name (often empty). Every served service, and "", reports NOT_SERVING until the
// config has loaded and again while draining.
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type * as grpc from "@grpc/grpc-js";
import { SERVICE_NAMES } from "./protos.js";

export const HEALTH_SERVICES = ["", SERVICE_NAMES.extProc, SERVICE_NAMES.extAuthz] as const;

export class HealthState {
  private readonly impl: HealthImplementation;
  private current: ServingStatus = "NOT_SERVING";

  constructor() {
    this.impl = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, "NOT_SERVING"])));
  }

  addToServer(server: grpc.Server): void {
    this.impl.addToServer(server);
  }

  set(status: ServingStatus): void {
    this.current = status;
    for (const s of HEALTH_SERVICES) this.impl.setStatus(s, status);
  }

  get status(): ServingStatus {
    return this.current;
  }
}
