import type { HostModule } from "../host/host-module.js";

/** The HTTP and WebSocket face of the notebook capability. */
export const notebookHost: HostModule = {
  name: "notebook",
  register() {},
};
