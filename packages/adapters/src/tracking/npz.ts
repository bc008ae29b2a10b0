import { crc32, inflateRawSync } from "node:zlib";
import { parseNpy, NpyFormatError, type NpyArray } from "./npy.js";

/**
 * NumPy's `.npz`: a zip of `.npy` files, stored (np.savez) or deflated (np.savez_compressed).
 * Entries are found through the central directory, since NumPy writes zip64 local headers whose
 * sizes are only placeholders; zip64 sizes and offsets are honoured, and every entry's CRC is
 * checked so a damaged file is refused rather than read as wrong numbers.
 */
const EOCD = 0x06054b50, ZIP64_LOCATOR = 0x07064b50, ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

export function readNpz(bytes: Uint8Array): Map<string, NpyArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (p: number) => view.getUint16(p, true);
  const u32 = (p: number) => view.getUint32(p, true);
  const u64 = (p: number) => Number(view.getBigUint64(p, true));
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new NpyFormatError(`not a readable .npz (zip) file: ${what}`);
  };

  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--) {
    if (u32(p) === EOCD) {
      eocd = p;
      break;
    }
  }
  need(eocd >= 0, "no end of central directory");
  let entries = u16(eocd + 10);
  let directory = u32(eocd + 16);
  if ((entries === 0xffff || directory === MAX32) && eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR) {
    const zip64 = u64(eocd - 20 + 8);
    need(zip64 + 56 <= bytes.length && u32(zip64) === ZIP64_EOCD, "bad zip64 end of central directory");
    entries = u64(zip64 + 32);
    directory = u64(zip64 + 48);
  }

  const arrays = new Map<string, NpyArray>();
  let p = directory;
  for (let k = 0; k < entries; k++) {
    need(p + 46 <= bytes.length && u32(p) === CENTRAL, `bad central directory entry ${k}`);
    const method = u16(p + 10), crc = u32(p + 16);
    let compressed = u32(p + 20), size = u32(p + 24), local = u32(p + 42);
    const nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    // The zip64 extra field holds, in this order, only the values whose 32-bit field is 0xFFFFFFFF.
    for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength; e += 4 + u16(e + 2)) {
      if (u16(e) !== 0x0001) continue;
      let q = e + 4;
      if (size === MAX32) (size = u64(q)), (q += 8);
      if (compressed === MAX32) (compressed = u64(q)), (q += 8);
      if (local === MAX32) local = u64(q);
    }
    need(local + 30 <= bytes.length && u32(local) === LOCAL, `bad local header for ${name}`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    need(start + compressed <= bytes.length, `${name} is truncated`);
    const stored = bytes.subarray(start, start + compressed);
    need(method === 0 || method === 8, `${name} uses compression method ${method} (only stored and deflate are read)`);
    const content = method === 0 ? stored : new Uint8Array(inflateRawSync(stored));
    need(content.length === size && crc32(content) === crc, `${name} fails its CRC check (damaged file)`);
    if (name.endsWith(".npy")) arrays.set(name.slice(0, -4), parseNpy(content));
    p += 46 + nameLength + extraLength + commentLength;
  }
  return arrays;
}
