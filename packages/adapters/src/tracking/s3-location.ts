import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";

/** `s3://bucket/key` as an environment names it; undefined for anything else. */
export function parseS3Location(location: string): { readonly bucket: string; readonly key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

export interface S3Settings {
  /** An S3-compatible service (MinIO, s3rver); empty: AWS itself. */
  readonly S3_ENDPOINT: string;
  /** Empty: the SDK's own chain (AWS_REGION, then the shared config file). */
  readonly AWS_REGION: string;
}

/**
 * An S3 client for the settings; credentials from the SDK's default chain. The SDK is imported
 * here, on first use: importing `@aws-sdk/client-s3` costs ~250 ms, which a host that never reads
 * an `s3://` location should not pay at start.
 *
 * A compatible service gets path-style addressing (no bucket sub-domains on 127.0.0.1) and
 * checksums only where an operation requires them (s3rver and older MinIO reject the SDK's
 * default CRC headers); AWS keeps the SDK's defaults, which validate what GetObject returns.
 */
export async function makeS3Client(settings: S3Settings, overrides: S3ClientConfig = {}): Promise<S3Client> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  const region = settings.AWS_REGION || (settings.S3_ENDPOINT ? "us-east-1" : undefined);
  return new S3Client({
    ...(region ? { region } : {}),
    ...(settings.S3_ENDPOINT
      ? { endpoint: settings.S3_ENDPOINT, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
      : {}),
    ...overrides,
  });
}
