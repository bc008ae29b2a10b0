/**
 * The shared ports (`Clock`, `IdGenerator`, `Authenticator`, `MetricsSink`) and the Promise facade (`runAsPromise`,
 * `ParallaxError`), re-exported by the package root. Not their implementations (adapters/shared)
 * nor test doubles (`@parallax/application/testing`).
 */
export * from "./clock.port.js";
export * from "./id-generator.port.js";
export * from "./authenticator.port.js";
export * from "./promise-facade.js";
export * from "./blob-store.port.js";
export * from "./readiness.port.js";
export * from "./metrics-sink.port.js";
