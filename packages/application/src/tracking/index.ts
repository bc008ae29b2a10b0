export * from "./vision-errors.js";
export * from "./frame-source.port.js";
export * from "./person-detector.port.js";
export * from "./appearance-embedder.port.js";
export * from "./homography-source.port.js";
export * from "./video-catalog.port.js";
