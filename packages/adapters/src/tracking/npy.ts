import { z } from "zod";

/**
 * NumPy's `.npy` format (version 1–3): magic `\x93NUMPY`, version, header length, a Python dict
 * literal `{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }`, then the raw data. Only
 * plain numeric dtypes are read; values come back as float64 in C (row-major) order.
 */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export class NpyFormatError extends Error {
  override name = "NpyFormatError";
}

const DTYPES = { f8: 8, f4: 4, i8: 8, i4: 4, i2: 2, u1: 1 } as const;

const header = z.object({
  descr: z
    .string()
    .regex(/^[<>|=](f8|f4|i8|i4|i2|u1)$/, "a little- or big-endian f8, f4, i8, i4, i2 or u1 dtype")
    .transform((d) => ({ littleEndian: d[0] !== ">", dtype: d.slice(1), text: d }))
    .pipe(z.object({ littleEndian: z.boolean(), dtype: z.enum(["f8", "f4", "i8", "i4", "i2", "u1"]), text: z.string() })),
  fortran_order: z.boolean(),
  shape: z.array(z.number().int().nonnegative()),
});

/** The header dict's three keys, read from its Python literal (no general Python parser needed). */
function headerFields(text: string): unknown {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  return {
    descr,
    fortran_order: fortran === undefined ? undefined : fortran === "True",
    shape: shape?.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number),
  };
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, k) => bytes[k] !== b)) throw new NpyFormatError("not a .npy array (no \\x93NUMPY magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new NpyFormatError(`unsupported .npy version ${major}`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const parsed = header.safeParse(headerFields(new TextDecoder().decode(bytes.subarray(start, start + headerLength))));
  if (!parsed.success) throw new NpyFormatError(`unreadable .npy header: ${z.prettifyError(parsed.error)}`);
  const { descr: { littleEndian, dtype, text: descr }, fortran_order: fortran, shape } = parsed.data;
  const size = DTYPES[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  if (bytes.length < offset + count * size) throw new NpyFormatError(`.npy data is truncated: ${count} × ${descr} needs ${count * size} bytes, found ${bytes.length - offset}`);
  const read = {
    f8: (p: number) => view.getFloat64(p, littleEndian),
    f4: (p: number) => view.getFloat32(p, littleEndian),
    i8: (p: number) => Number(view.getBigInt64(p, littleEndian)),
    i4: (p: number) => view.getInt32(p, littleEndian),
    i2: (p: number) => view.getInt16(p, littleEndian),
    u1: (p: number) => view.getUint8(p),
  }[dtype];
  const data = new Float64Array(count);
  if (!fortran || shape.length < 2) {
    for (let k = 0; k < count; k++) data[k] = read(offset + k * size);
  } else if (shape.length === 2) {
    const [rows, columns] = shape as [number, number];
    for (let c = 0; c < columns; c++) for (let r = 0; r < rows; r++) data[r * columns + c] = read(offset + (c * rows + r) * size);
  } else {
    throw new NpyFormatError(`Fortran-ordered arrays of ${shape.length} dimensions are not supported`);
  }
  return { shape, data };
}
