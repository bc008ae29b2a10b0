import type { HostModule } from "../host/host-module.js";

/** The HTTP and WebSocket face of the reactive capability. */
export const reactiveHost: HostModule = {
  name: "reactive",
  register() {},
};
