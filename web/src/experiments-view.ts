/**
 * The experiments browser: a results directory of `toyvmm experiment --out` — its table
 * (results.csv) with sorting by any column and filtering, and its plots (the *.vl.json
 * vega-lite specs the CLI wrote, rendered by vega-embed) — opened from the computer (a folder
 * picker; nothing leaves the page) or from the server that was started with it
 * (`toyvmm migrate … --view --results DIR`), which can also replay any point's migration in
 * the page map. Loaded only when its tab is opened, as it carries vega.
 */
import embed from "vega-embed";
import { parseCsv } from "./csv.js";
import { el } from "./format.js";

export interface ResultsSource {
  name: string;
  files: string[];
  read(file: string): Promise<string>;
  /** Replays the point's migration in the page (only a server that has the guest can). */
  replay?: (point: number) => Promise<void>;
}

/** The results directory the server offers, if it was started with one. */
export async function serverResults(replay: (point: number) => Promise<void>): Promise<ResultsSource | null> {
  const index = await fetch("results/index.json").then(
    (r) => (r.ok ? (r.json() as Promise<{ name: string | null; files: string[] }>) : null),
    () => null,
  );
  if (!index || index.name === null) return null;
  return {
    name: index.name,
    files: index.files,
    read: (file) => fetch(`results/${encodeURIComponent(file)}`).then((r) => r.text()),
    replay,
  };
}

function folderResults(files: FileList): ResultsSource | null {
  const byName = new Map([...files].map((file) => [file.name, file]));
  if (!byName.has("results.csv")) return null;
  const first = files[0]!.webkitRelativePath.split("/")[0] || "results";
  return { name: first, files: [...byName.keys()], read: (file) => byName.get(file)!.text() };
}

let opened = false;

export async function openExperiments(element: HTMLElement, fromServer: ResultsSource | null): Promise<void> {
  if (opened) return;
  opened = true;
  element.classList.add("experiments");
  const picker = el("input", { type: "file", webkitdirectory: "", multiple: "", "aria-label": "a results directory" });
  const problem = el("p", { class: "problem", role: "alert" });
  const shown = el("div");
  element.append(
    el("h2", {}, "Experiments"),
    el("p", {}, el("label", {}, "Open a results directory (toyvmm experiment --out DIR) ", picker)),
    problem,
    shown,
  );
  picker.addEventListener("change", () => {
    const source = picker.files && picker.files.length > 0 ? folderResults(picker.files) : null;
    if (!source)
      return void (problem.textContent =
        "that folder has no results.csv: choose the folder toyvmm experiment --out wrote");
    problem.textContent = "";
    void show(shown, source);
  });
  if (fromServer) await show(shown, fromServer);
}

async function show(element: HTMLElement, source: ResultsSource): Promise<void> {
  const { header, rows } = parseCsv(await source.read("results.csv"));
  const table = new ResultsTable(header, rows, source.replay);
  const plots = el("div", { class: "plots" });
  element.replaceChildren(el("h3", {}, source.name), table.element, el("h3", {}, "Plots"), plots);
  for (const file of source.files.filter((f) => f.endsWith(".vl.json")).sort()) {
    const figure = el("figure", { "data-plot": file }, el("figcaption", {}, file));
    plots.append(figure);
    const spec = JSON.parse(await source.read(file)) as object;
    const target = el("div");
    figure.prepend(target);
    await embed(target, spec as never, { actions: false, renderer: "svg" });
    figure.dataset.rendered = "true";
  }
}

/** The rows, sortable by any column (its heading is a button) and filtered by `column=value` terms or any text. */
class ResultsTable {
  readonly element = el("div", { class: "results" });
  private readonly body = el("tbody");
  private readonly count = el("p", { role: "status" });
  private sortColumn = 0;
  private ascending = true;
  private filter = "";

  constructor(
    private readonly header: string[],
    private readonly rows: string[][],
    private readonly replay: ((point: number) => Promise<void>) | undefined,
  ) {
    const filter = el("input", {
      type: "search",
      placeholder: "strategy=pre-copy status=completed",
      size: "36",
      "aria-label": "filter the rows: column=value terms, or any text",
    });
    filter.addEventListener("input", () => ((this.filter = filter.value.trim()), this.render()));
    const headings = header.map((name, i) => {
      const button = el("button", { type: "button" }, name);
      const th = el("th", { scope: "col", "aria-sort": "none" }, button);
      button.addEventListener("click", () => {
        this.ascending = this.sortColumn === i ? !this.ascending : true;
        this.sortColumn = i;
        for (const other of this.element.querySelectorAll("th")) other.setAttribute("aria-sort", "none");
        th.setAttribute("aria-sort", this.ascending ? "ascending" : "descending");
        this.render();
      });
      return th;
    });
    const head = el("tr", {}, ...(replay ? [el("th", { scope: "col" }, "replay")] : []), ...headings);
    this.element.append(
      el("label", {}, "Filter ", filter),
      this.count,
      el("div", { class: "scroll" }, el("table", { class: "results-table" }, el("thead", {}, head), this.body)),
    );
    this.render();
  }

  private matches(row: string[]): boolean {
    return this.filter.split(/\s+/).every((term) => {
      if (term === "") return true;
      const [name, value] = term.split("=", 2);
      const column = value !== undefined ? this.header.indexOf(name!) : -1;
      if (column >= 0) return row[column] === value;
      return row.some((cell) => cell.includes(term));
    });
  }

  private render(): void {
    const c = this.sortColumn;
    const order = (a: string[], b: string[]) => {
      const x = a[c] ?? "";
      const y = b[c] ?? "";
      const numeric = x !== "" && y !== "" && !Number.isNaN(Number(x)) && !Number.isNaN(Number(y));
      const by = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return this.ascending ? by : -by;
    };
    const shown = this.rows.filter((row) => this.matches(row)).sort(order);
    this.count.textContent = `${shown.length} of ${this.rows.length} points`;
    this.body.replaceChildren(
      ...shown.map((row) => {
        const cells = row.map((cell) => el("td", {}, cell));
        if (!this.replay) return el("tr", { "data-point": row[0]! }, ...cells);
        const button = el(
          "button",
          { type: "button", "data-action": "replay", "aria-label": `replay point ${row[0]}` },
          "Replay",
        );
        button.addEventListener("click", () => void this.replay!(Number(row[0])));
        return el("tr", { "data-point": row[0]! }, el("td", {}, button), ...cells);
      }),
    );
  }
}
