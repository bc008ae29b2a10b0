import type { HostModule } from "../host/host-module.js";

/** The HTTP and WebSocket face of the jobs capability. */
export const jobsHost: HostModule = {
  name: "jobs",
  register() {},
};
