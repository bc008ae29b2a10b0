import { open } from "node:fs/promises";

/** Bytes asked for by the first read: more than a stored job or claim usually holds. */
const FIRST_READ = 16 * 1024;

/*
 * Every promised file call is a round trip through libuv's thread pool (the caller's turn
 * waits for a worker thread, then for the event loop), so these helpers make as few as a
 * small immutable file needs and never wait for a close: a descriptor's close only frees it.
 */

/**
 * A small file's whole text from one open and one read (more reads only for a file larger
 * than the first buffer); `readFile` adds an fstat for the size. Meant for immutable files
 * (versions, claims): a read shorter than asked is taken as the end of the file.
 */
export async function readSmallFile(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(FIRST_READ);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      length += bytesRead;
      if (bytesRead === 0 || length < buffer.length) return buffer.toString("utf8", 0, length);
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
  } finally {
    closeInBackground(handle, path);
  }
}

/**
 * Creates `path` holding `text`, failing with EEXIST when it exists. Answers once every byte
 * is written; the descriptor closes in the background (linking or renaming the name does
 * not need it closed).
 */
export async function createFile(path: string, text: string): Promise<void> {
  const handle = await open(path, "wx");
  try {
    const bytes = Buffer.from(text, "utf8");
    let written = 0;
    while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
  } finally {
    closeInBackground(handle, path);
  }
}

function closeInBackground(handle: { close(): Promise<void> }, path: string): void {
  // close(2) fails only for a descriptor that is not open, which would be a bug here: say so, don't throw.
  handle.close().catch((error: unknown) => process.emitWarning(`${path} not closed: ${(error as Error).message}`));
}
