export function openExperiments(element: HTMLElement): void {
  element.textContent = "";
}
