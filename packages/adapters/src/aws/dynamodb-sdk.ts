import { createRequire } from "node:module";

type ClientSdk = typeof import("@aws-sdk/client-dynamodb");
type DocumentSdk = typeof import("@aws-sdk/lib-dynamodb");

// The DynamoDB SDK is required on first use, not imported at start: a host on files never pays
// for it (~13 modules of @aws-sdk and @smithy). Synchronous because clients and stores are built
// in synchronous bindings; its packages' main entry is CommonJS, the same one `import` resolves.
const requireOnFirstUse = createRequire(import.meta.url);

export const dynamoSdk = (): ClientSdk => requireOnFirstUse("@aws-sdk/client-dynamodb") as ClientSdk;

export const documentSdk = (): DocumentSdk => requireOnFirstUse("@aws-sdk/lib-dynamodb") as DocumentSdk;
