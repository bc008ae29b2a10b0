export * from "./clock.port.js";
export * from "./id-generator.port.js";
export * from "./promise-facade.js";
