/**
 * Bytes per round as bars, on a canvas, growing while a round runs: the running round's bar is
 * striped, finished rounds are solid. Each bar is labelled with its round and size, so the
 * chart reads without colour.
 */
import { bytes } from "./format.js";

export interface Round {
  round: number;
  bytes: number;
}

export class RoundBars {
  readonly canvas = document.createElement("canvas");
  private drawn = "";

  constructor(
    private readonly width = 512,
    private readonly height = 180,
  ) {
    this.canvas.className = "round-bars";
    this.canvas.setAttribute("role", "img");
    this.canvas.width = width;
    this.canvas.height = height;
  }

  draw(rounds: Round[], running: boolean): void {
    const key = JSON.stringify(rounds) + running;
    if (key === this.drawn) return;
    this.drawn = key;
    const g = this.canvas.getContext("2d")!;
    const { width, height } = this;
    g.clearRect(0, 0, width, height);
    const top = Math.max(1, ...rounds.map((r) => r.bytes));
    const shown = rounds.slice(-24);
    const slot = width / Math.max(4, shown.length);
    g.font = "13px system-ui, sans-serif";
    g.textAlign = "center";
    shown.forEach((round, i) => {
      const h = Math.max(1, Math.round(((height - 40) * round.bytes) / top));
      const x = i * slot + slot * 0.15;
      const w = slot * 0.7;
      const y = height - 20 - h;
      g.fillStyle = "#0072B2";
      g.fillRect(x, y, w, h);
      if (running && i === shown.length - 1) {
        g.save();
        g.beginPath();
        g.rect(x, y, w, h);
        g.clip();
        g.strokeStyle = "#ffffff";
        g.lineWidth = 2;
        g.beginPath();
        for (let s = -h; s < w; s += 8) {
          g.moveTo(x + s, y + h);
          g.lineTo(x + s + h, y);
        }
        g.stroke();
        g.restore();
      }
      g.fillStyle = "#111111";
      g.fillText(`${round.round}`, x + w / 2, height - 5);
      g.fillText(bytes(round.bytes), x + w / 2, Math.max(12, y - 4));
    });
    this.canvas.setAttribute(
      "aria-label",
      `bytes per round: ${rounds.map((r) => `round ${r.round} ${bytes(r.bytes)}`).join(", ")}`,
    );
  }
}
