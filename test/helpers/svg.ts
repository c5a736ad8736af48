// Reading a drawn chart back: its SVG parsed as XML (a malformed one throws), the text it sets, its PNG decoded.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PNG } from 'pngjs';

type Node = Record<string, unknown>;

/** Every `<text>` element's text, in document order (multi-line captions give one entry a line). */
export function svgTexts(svg: string): string[] {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const tree = new XMLParser({
    ignoreAttributes: false,
    preserveOrder: true,
    trimValues: false,
    parseTagValue: false,
  }).parse(svg) as Node[];
  const out: string[] = [];
  const textOf = (nodes: Node[]): string =>
    nodes
      .map((n) =>
        '#text' in n
          ? String(n['#text'])
          : Object.entries(n)
              .filter(([k]) => k !== ':@')
              .map(([, v]) => textOf(v as Node[]))
              .join(''),
      )
      .join('');
  const walk = (nodes: Node[]): void => {
    for (const n of nodes) {
      for (const [k, v] of Object.entries(n)) {
        if (k === ':@' || k === '#text') continue;
        if (k === 'text') {
          const kids = v as Node[];
          const spans = kids.filter((c) => 'tspan' in c);
          if (spans.length > 0) for (const s of spans) out.push(textOf(s.tspan as Node[]));
          else out.push(textOf(kids));
        } else walk(v as Node[]);
      }
    }
  };
  walk(tree);
  return out;
}

/** The root element's name and its width and height attributes. */
export function svgRoot(svg: string): { name: string; width: number; height: number } {
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg) as Record<
    string,
    Record<string, string>
  >;
  const name = Object.keys(tree).find((k) => !k.startsWith('?'))!;
  return { name, width: Number(tree[name].width), height: Number(tree[name].height) };
}

/** A PNG's size and RGBA pixels (pngjs throws on a broken file). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: png.data };
}

/** How many pixels are close to the colour `[r, g, b]`. */
export function countColor(img: { data: Uint8Array }, [r, g, b]: number[], tolerance = 24): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (
      Math.abs(img.data[i] - r) <= tolerance &&
      Math.abs(img.data[i + 1] - g) <= tolerance &&
      Math.abs(img.data[i + 2] - b) <= tolerance
    )
      n++;
  }
  return n;
}
