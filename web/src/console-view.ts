/**
 * A VM's console, live: CONSOLE_OUTPUT events from `console-follow` (from the first byte the
 * host kept), and a line of input sent with `console-input`. When the VM migrates, the view
 * follows it to the destination and the text goes on where it was. At most 64 K characters are
 * kept on screen, as the host keeps 64 KiB.
 */
import type { HostConnection } from "./connection.js";
import { el } from "./format.js";

const KEPT = 64 * 1024;

export class ConsoleView {
  readonly element = el("section", { class: "console", "aria-label": "Console" });
  private readonly title = el("h2", {}, "Console");
  private readonly output = el("pre", {
    role: "log",
    "aria-live": "off",
    tabindex: "0",
    "aria-label": "console output",
  });
  private readonly input = el("input", {
    name: "input",
    autocomplete: "off",
    "aria-label": "console input (Enter sends the line)",
    size: "40",
  });
  private following: { host: HostConnection; vm: string; unlisten: () => void } | null = null;

  constructor() {
    const form = el("form", { class: "inline" }, this.input, el("button", { type: "submit" }, "Send"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const f = this.following;
      if (!f) return;
      const text = this.input.value + "\n";
      this.input.value = "";
      f.host.call("console-input", { vm: f.vm, text }).catch((error: Error) => this.append(`\n[${error.message}]\n`));
    });
    this.element.append(this.title, this.output, form);
    this.element.hidden = true;
  }

  get vm(): { host: HostConnection; vm: string } | null {
    return this.following;
  }

  /** Shows `vm`'s console on `host`; `keep` goes on from the text shown (a VM that moved). */
  async follow(host: HostConnection, vm: string, keep = false): Promise<void> {
    this.stop();
    if (!keep) this.output.textContent = "";
    this.element.hidden = false;
    this.title.textContent = `Console of ${vm} on ${host.greeting?.host ?? host.address}`;
    this.element.dataset.vm = vm;
    this.element.dataset.host = host.greeting?.host ?? "";
    const unlisten = host.onEvent((event) => {
      if (event.event === "CONSOLE_OUTPUT" && event.data.vm === vm) {
        if (event.data.dropped > 0) this.append(`[${event.data.dropped} bytes missed]`);
        this.append(event.data.text);
      }
      if (event.event === "VM_HALTED" && event.data.vm === vm) this.append(`\n[${vm}: ${event.data.description}]\n`);
    });
    this.following = { host, vm, unlisten };
    try {
      await host.call("console-follow", { vm, follow: true, offset: 0 });
    } catch (error) {
      this.append(`[${(error as Error).message}]\n`);
    }
  }

  stop(): void {
    this.following?.unlisten();
    this.following = null;
  }

  private append(text: string): void {
    const atEnd = this.output.scrollTop + this.output.clientHeight >= this.output.scrollHeight - 4;
    const all = (this.output.textContent ?? "") + text;
    this.output.textContent = all.length > KEPT ? all.slice(all.length - KEPT) : all;
    if (atEnd) this.output.scrollTop = this.output.scrollHeight;
  }
}
