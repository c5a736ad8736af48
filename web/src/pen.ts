/**
 * The drawing pad's pen: where a pointer lands on the canvas and what a step of a stroke paints.
 * The page (main.ts) draws with it, and bench/drawings.ts paints its drawings with the same code
 * inside Chromium (bundled and added to the page), so that the two cannot drift apart.
 */

/** Pen width in canvas pixels: a 280-pixel pad maps to MNIST's 28, whose strokes are 2–3 pixels wide. */
export const PEN = 20;

export interface PadPoint {
  x: number;
  y: number;
}

/** A client position (a pointer event's clientX, clientY) in the pad's canvas pixels, inside its border. */
export function padPoint(pad: HTMLCanvasElement, clientX: number, clientY: number): PadPoint {
  // Inside the border: the canvas's pixels span its client area.
  const r = pad.getBoundingClientRect();
  const x = clientX - r.left - pad.clientLeft;
  const y = clientY - r.top - pad.clientTop;
  return { x: (x * pad.width) / pad.clientWidth, y: (y * pad.height) / pad.clientHeight };
}

/**
 * Paints one step of a stroke in black: a round-capped segment from `last`, or a dot where a stroke begins (`last`
 * null).
 */
export function paintStroke(ctx: CanvasRenderingContext2D, last: PadPoint | null, to: PadPoint, pen = PEN): void {
  ctx.strokeStyle = '#000';
  ctx.fillStyle = '#000';
  ctx.lineWidth = pen;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  if (last) {
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  } else {
    ctx.arc(to.x, to.y, pen / 2, 0, 2 * Math.PI);
    ctx.fill();
  }
}
