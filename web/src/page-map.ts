/**
 * The page map on a canvas: one cell per page, in rows, drawn from the host's letters
 * (query-migrate-pages). Each state has a colour from the Okabe–Ito palette, which stays
 * apart for the common colour-blindnesses, and a shape as well, so that it reads in grey on
 * a projector too: missing is an empty square, sent a solid one, dirty is striped, requested
 * has a hole in the middle, zero is a small dot. Cells are written into one ImageData from
 * ready-made tiles, so 16,384 pages cost a copy of 16,384 tiles when the map changes and
 * nothing when it does not.
 */
export const STATES = [
  { letter: "m", name: "missing", label: "missing at the destination", colour: [238, 238, 238], shape: "empty" },
  { letter: "s", name: "sent", label: "sent", colour: [0, 114, 178], shape: "solid" },
  { letter: "d", name: "dirty", label: "dirty since sent", colour: [230, 159, 0], shape: "stripes" },
  { letter: "r", name: "requested", label: "requested (post-copy fault)", colour: [213, 94, 0], shape: "hole" },
  { letter: "z", name: "zero", label: "sent as a zero page", colour: [86, 180, 233], shape: "dot" },
] as const;

const EDGE = [90, 90, 90];
const DARK = [30, 30, 30];

/** A cell's pixels for one state: the shape drawn in its colour on a light ground. */
function tile(state: (typeof STATES)[number], size: number): Uint32Array {
  const pixels = new Uint32Array(size * size);
  const inner = Math.max(1, size - 1);
  const rgba = ([r, g, b]: readonly number[]) => (255 << 24) | (b! << 16) | (g! << 8) | r!;
  const ground = rgba([255, 255, 255]);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // The last row and column are the gap between cells.
      if (size > 2 && (x === inner || y === inner)) {
        pixels[y * size + x] = ground;
        continue;
      }
      const c = (size - 1) / 2;
      const near =
        Math.abs(x - (inner - 1) / 2) <= Math.max(0.5, inner / 6) &&
        Math.abs(y - (inner - 1) / 2) <= Math.max(0.5, inner / 6);
      let colour: readonly number[] = state.colour;
      switch (state.shape) {
        case "empty":
          colour = x === 0 || y === 0 || x === inner - 1 || y === inner - 1 ? [200, 200, 200] : state.colour;
          break;
        case "stripes":
          colour = (x + y) % 3 === 0 ? DARK : state.colour;
          break;
        case "hole":
          colour = near ? [255, 255, 255] : state.colour;
          break;
        case "dot":
          colour = near || Math.hypot(x - c, y - c) < inner / 4 ? EDGE : [225, 240, 250];
          break;
      }
      pixels[y * size + x] = rgba(colour);
    }
  }
  return pixels;
}

export class PageMapCanvas {
  readonly canvas = document.createElement("canvas");
  private readonly context: CanvasRenderingContext2D;
  private drawn = "";
  private cell = 0;
  private columns = 0;
  private tiles: Uint32Array[] = [];
  private image: ImageData | null = null;

  constructor(private readonly width = 512) {
    this.canvas.className = "page-map";
    this.canvas.setAttribute("role", "img");
    this.context = this.canvas.getContext("2d")!;
  }

  /** Draws `map` (a letter per page); nothing happens when it is the map already drawn. */
  draw(map: string): void {
    if (map === this.drawn) return;
    this.layout(map.length);
    const image = this.image!;
    const pixels = new Uint32Array(image.data.buffer);
    const { cell, columns } = this;
    const stride = columns * cell;
    const codes = { m: 0, s: 1, d: 2, r: 3, z: 4 } as Record<string, number>;
    const old = this.drawn.length === map.length ? this.drawn : "";
    for (let p = 0; p < map.length; p++) {
      const letter = map[p]!;
      if (old !== "" && old[p] === letter) continue;
      const t = this.tiles[codes[letter] ?? 0]!;
      const x0 = (p % columns) * cell;
      const y0 = Math.floor(p / columns) * cell;
      for (let y = 0; y < cell; y++) pixels.set(t.subarray(y * cell, (y + 1) * cell), (y0 + y) * stride + x0);
    }
    this.context.putImageData(image, 0, 0);
    this.drawn = map;
    const counts = STATES.map((s) => `${[...map].filter((l) => l === s.letter).length} ${s.name}`);
    this.canvas.setAttribute("aria-label", `page map of ${map.length} pages: ${counts.join(", ")}`);
  }

  private layout(pages: number): void {
    const columns = Math.max(1, Math.ceil(Math.sqrt(pages)));
    const cell = Math.max(1, Math.floor(this.width / columns));
    if (this.image && this.columns === columns && this.cell === cell && this.drawn.length === pages) return;
    this.columns = columns;
    this.cell = cell;
    this.tiles = STATES.map((state) => tile(state, cell));
    this.canvas.width = columns * cell;
    this.canvas.height = Math.ceil(pages / columns) * cell;
    this.image = this.context.createImageData(this.canvas.width, this.canvas.height);
    this.drawn = "";
  }
}

/** The legend: each state's cell as drawn, and its name. */
export function legend(): HTMLElement {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const state of STATES) {
    const item = document.createElement("li");
    const swatch = new PageMapCanvas(16);
    swatch.draw(state.letter);
    swatch.canvas.setAttribute("aria-hidden", "true");
    swatch.canvas.removeAttribute("role");
    item.append(swatch.canvas, ` ${state.label}`);
    list.append(item);
  }
  return list;
}
