import type { HostModule } from "../host/host-module.js";

/** The HTTP and WebSocket face of the tracking capability. */
export const trackingHost: HostModule = {
  name: "tracking",
  register() {},
};
