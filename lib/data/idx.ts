// The IDX format of the MNIST files (LeCun et al.): a big-endian header —
// two zero bytes, a type code (0x08 = unsigned byte), the number of
// dimensions — then one 32-bit size per dimension, then the data.

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Parses an IDX file of unsigned bytes, checking the magic number, the
 * expected number of dimensions and that the data fills the file exactly.
 *
 * @param bytes The file's contents.
 * @param name The file's name, for error messages.
 * @param rank The expected number of dimensions (1 for labels, 3 for images).
 * @throws {RangeError} Naming the file and what was expected and found.
 */
export function parseIdx(bytes: Uint8Array, name: string, rank: number): IdxArray {
  const expectedMagic = (UNSIGNED_BYTE << 8) | rank;
  if (bytes.length < 4) {
    throw new RangeError(`${name}: truncated IDX header (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new RangeError(
      `${name}: IDX magic number 0x${magic.toString(16).padStart(8, "0")}, expected 0x${
        expectedMagic.toString(16).padStart(8, "0")
      } (unsigned bytes, ${rank} dimensions)`,
    );
  }
  if (bytes.length < 4 + 4 * rank) {
    throw new RangeError(
      `${name}: truncated IDX header (${bytes.length} bytes, expected at least ${4 + 4 * rank})`,
    );
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const header = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw new RangeError(
      `${name}: ${bytes.length - header} data bytes, expected ${size} for dimensions [${dims}]${
        bytes.length < header + size ? " (truncated)" : ""
      }`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}
