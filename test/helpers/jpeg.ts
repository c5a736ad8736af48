/**
 * A baseline JPEG of any size made in milliseconds, for testing size limits without encoding tens of
 * megapixels: YCbCr 4:2:0 as phones write it, every 8×8 luma block one flat grey level (its DC
 * coefficient only; every AC coefficient zero), chroma neutral. The image a decoder gives back is
 * therefore exactly `level(bx, by)` on block (bx, by): a picture drawn at 1/8 scale.
 *
 * Layout (ITU T.81): SOI; DQT with all quantizers 1; SOF0 (8-bit, 3 components, Y sampled 2×2,
 * Cb and Cr 1×1); DHT with the standard luminance DC table (Annex K.3) and an AC table holding only
 * end-of-block (code '0'); SOS; the entropy-coded MCUs (four Y blocks, then Cb, then Cr, each a DC
 * difference and EOB; 0xFF bytes stuffed with 0x00); EOI.
 */

/** Standard luminance DC codes (Annex K.3), by magnitude category 0–11: [code, length]. */
const DC_CODES: [number, number][] = [
  [0b00, 2],
  [0b010, 3],
  [0b011, 3],
  [0b100, 3],
  [0b101, 3],
  [0b110, 3],
  [0b1110, 4],
  [0b11110, 5],
  [0b111110, 6],
  [0b1111110, 7],
  [0b11111110, 8],
  [0b111111110, 9],
];

/**
 * A `width`×`height` JPEG whose 8×8 block (bx, by) is the grey level `level(bx, by)` (0–255).
 * Width and height need not be multiples of 16: the MCUs past the edge are coded and cropped.
 */
export function blockJpeg(width: number, height: number, level: (bx: number, by: number) => number): Uint8Array {
  const out: number[] = [];
  const segment = (marker: number, body: number[]) =>
    out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body);
  out.push(0xff, 0xd8);
  segment(0xdb, [0, ...new Array<number>(64).fill(1)]);
  segment(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]);
  segment(0xc4, [0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, ...DC_CODES.map((_, i) => i)]);
  segment(0xc4, [0x10, 1, ...new Array<number>(15).fill(0), 0x00]);
  segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);

  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  const put = (code: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) {
      acc = (acc << 1) | ((code >> i) & 1);
      if (++bits === 8) {
        bytes.push(acc);
        if (acc === 0xff) bytes.push(0); // byte stuffing
        acc = 0;
        bits = 0;
      }
    }
  };
  /** One block: the DC difference from the previous block's DC, then end-of-block. Returns its DC. */
  const block = (dc: number, previous: number) => {
    const diff = dc - previous;
    const category = diff === 0 ? 0 : 32 - Math.clz32(Math.abs(diff));
    put(...DC_CODES[category]);
    if (category > 0) put(diff > 0 ? diff : diff + (1 << category) - 1, category);
    put(0, 1);
    return dc;
  };
  // With every quantizer 1, a flat block of level L has DC = 8 (L − 128) (the DCT's scale).
  let previous = 0;
  for (let my = 0; my < Math.ceil(height / 16); my++) {
    for (let mx = 0; mx < Math.ceil(width / 16); mx++) {
      for (let k = 0; k < 4; k++)
        previous = block(8 * (Math.round(level(2 * mx + (k & 1), 2 * my + (k >> 1))) - 128), previous);
      block(0, 0); // Cb: neutral
      block(0, 0); // Cr: neutral
    }
  }
  if (bits > 0) put((1 << (8 - bits)) - 1, 8 - bits); // pad the last byte with 1s
  for (const b of bytes) out.push(b);
  out.push(0xff, 0xd9);
  return new Uint8Array(out);
}
