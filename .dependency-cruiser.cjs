/**
 * The dependency rule of ARCHITECTURE.md: domain ← application ← adapters ← apps.
 * Arrows point inward only; the domain does no I/O.
 */
const io = "^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|worker_threads|cluster|tls|dns|readline)$";
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "packages/domain imports no I/O built-in, no outer layer and no framework",
      severity: "error",
      from: { path: "^packages/domain/src" },
      to: {
        pathNot: "^packages/domain/src",
        path: [io, "^packages/(application|adapters)", "^apps/", "node_modules/(@aws-sdk|koa|@koa|ws|onnxruntime-node|inversify|pino|@duckdb|pg)/"],
      },
    },
    {
      name: "domain-no-io-builtins",
      severity: "error",
      from: { path: "^packages/domain/src" },
      to: { dependencyTypes: ["core"], path: io },
    },
    {
      name: "application-depends-on-domain-only",
      comment: "packages/application imports domain, effect and zod; never adapters, apps or a technology",
      severity: "error",
      from: { path: "^packages/application/src" },
      to: {
        path: ["^packages/adapters", "^apps/", "node_modules/(@aws-sdk|koa|@koa|ws|onnxruntime-node|inversify|pino|@duckdb|pg)/"],
      },
    },
    {
      name: "application-no-io-builtins",
      severity: "error",
      from: { path: "^packages/application/src" },
      to: { dependencyTypes: ["core"], path: io },
    },
    {
      name: "adapters-never-import-apps",
      severity: "error",
      from: { path: "^packages/adapters/src" },
      to: { path: "^apps/" },
    },
    {
      name: "apps-do-not-import-each-other",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/([^/]+)/", pathNot: "^apps/$1/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist/|\\.test\\.ts$" },
    parser: "swc",
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: { conditionNames: ["source", "import", "node", "default"], exportsFields: ["exports"], extensions: [".ts", ".js"] },
  },
};
