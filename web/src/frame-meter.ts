/**
 * Frames per second, as the browser drew them over the last second (requestAnimationFrame),
 * shown in the header and kept in `document.body.dataset.fps` for tests; the lowest second
 * seen is in `dataset.fpsMin`, so a stall during a migration is not averaged away.
 */
export function startFrameMeter(element: HTMLElement): void {
  let frames = 0;
  let since = performance.now();
  let lowest = Infinity;
  const tick = (now: number) => {
    frames++;
    if (now - since >= 1000) {
      const fps = Math.round((frames * 1000) / (now - since));
      lowest = Math.min(lowest, fps);
      element.textContent = `${fps} fps`;
      document.body.dataset.fps = String(fps);
      document.body.dataset.fpsMin = String(lowest);
      frames = 0;
      since = now;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
