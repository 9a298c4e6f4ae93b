/**
 * The hosts and their VMs: one card per host with its VMs (state, guest ticks, speed, memory,
 * traps per second), a form to start a bundled guest, and per VM pause/resume, console, and
 * migrate to another host (a form, or drag the row onto the other host's card). Each card
 * polls its host's `query-vms` twice a second and each VM's `query-status` once a second,
 * and refreshes at once on VM events.
 */
import type { HostConnection } from "./connection.js";
import { bytes, count, el } from "./format.js";
import type { HostInfo, RequestOf, VmSummary } from "./protocol.js";

const VMS_EVERY_MS = 500;
const STATUS_EVERY_MS = 1000;
const MEMORY_CHOICES: [string, number | null][] = [
  ["as the guest asks", null],
  ["1 MiB (256 pages)", 1 << 20],
  ["16 MiB (4,096 pages)", 16 << 20],
  ["64 MiB (16,384 pages)", 64 << 20],
];

export interface MigrateChoice {
  from: HostConnection;
  to: HostConnection;
  request: Omit<RequestOf<"migrate">, "to" | "token">;
}

export interface HostsActions {
  /** All hosts shown, for the migrate form's destinations. */
  hosts(): HostConnection[];
  migrate(choice: MigrateChoice): Promise<void>;
  console(host: HostConnection, vm: string): void;
  /** The card of the host with this name. */
  card(name: string): HostCard | undefined;
}

interface Rate {
  ticks: number;
  traps: number;
  atMs: number;
  ticksPerSecond: number;
  trapsPerSecond: number;
}

export class HostCard {
  readonly element = el("article", { class: "host", "aria-busy": "true" });
  private readonly rows = el("tbody");
  private readonly problem = el("p", { class: "problem", role: "alert" });
  private readonly rates = new Map<string, Rate>();
  private info: HostInfo | null = null;
  private timers: number[] = [];
  private vms: VmSummary[] = [];
  private readonly rowOf = new Map<string, HTMLTableRowElement>();
  private readonly migrateFields = {
    vm: el("select", { name: "vm" }),
    to: el("select", { name: "to" }),
    strategy: el(
      "select",
      { name: "strategy" },
      ...["pre-copy", "post-copy", "stop-copy"].map((s) => el("option", { value: s }, s)),
    ),
    bandwidth: el("input", {
      name: "bandwidth",
      type: "number",
      min: "0",
      step: "any",
      placeholder: "no cap",
      size: "6",
    }),
    downtime: el("input", {
      name: "downtime",
      type: "number",
      min: "0",
      step: "any",
      placeholder: "host's",
      size: "5",
    }),
    rounds: el("input", { name: "rounds", type: "number", min: "1", max: "1000", placeholder: "host's", size: "4" }),
  };

  constructor(
    readonly connection: HostConnection,
    private readonly actions: HostsActions,
  ) {
    this.element.append(el("h2", {}, connection.address || location.host));
    void this.start();
  }

  /** A host runs and moves VMs; a replay of a simulated migration only shows one. */
  get steerable(): boolean {
    return this.connection.greeting?.capabilities.includes("migration") ?? false;
  }

  get name(): string {
    return this.connection.greeting?.host ?? this.connection.address;
  }

  private async start(): Promise<void> {
    try {
      await this.connection.ready;
      this.info = await this.connection.call("query-host", {});
    } catch (error) {
      this.element.append(el("p", { class: "problem", role: "alert" }, (error as Error).message));
      return;
    }
    this.element.dataset.host = this.name;
    this.element.setAttribute("aria-busy", "false");
    const heading = this.element.querySelector("h2")!;
    heading.textContent = `host ${this.name}`;
    const where = el(
      "p",
      { class: "where" },
      `${this.connection.address || location.host} · speed ${this.info.speed === "max" ? "max" : count(this.info.speed) + " ticks/s"} · migrations ${this.info.migrateListen ?? "not accepted"}`,
    );
    const table = el(
      "table",
      { class: "vms" },
      el("caption", {}, `VMs on ${this.name}`),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["VM", "kind", "state", "guest ticks", "ticks/s", "memory", "traps/s", "actions"].map((h) =>
            el("th", { scope: "col" }, h),
          ),
        ),
      ),
      this.rows,
    );
    if (this.steerable)
      this.element.append(
        where,
        this.startForm(),
        el("div", { class: "scroll" }, table),
        this.buildMigrateForm(),
        this.problem,
      );
    else
      this.element.append(
        where,
        el("p", {}, "A simulated migration, replayed: it can be watched, not steered."),
        el("div", { class: "scroll" }, table),
        this.problem,
      );
    this.acceptDrops();
    this.connection.onEvent((event) => {
      if (event.event.startsWith("VM_")) void this.refresh();
    });
    this.connection.onClose = (reason) => {
      this.stop();
      this.problem.textContent = `connection lost: ${reason}`;
    };
    this.timers.push(
      window.setInterval(() => void this.refresh(), VMS_EVERY_MS),
      window.setInterval(() => void this.measure(), STATUS_EVERY_MS),
    );
    await this.refresh();
  }

  stop(): void {
    for (const timer of this.timers) window.clearInterval(timer);
    this.timers = [];
  }

  private startForm(): HTMLFormElement {
    const guests = this.info!.guests;
    // A bundled guest by name, or the path of a program or image on the host.
    const list = el(
      "datalist",
      { id: `guests-${this.name}` },
      ...guests.map((g) => el("option", { value: g.name }, g.description)),
    );
    const guest = el("input", {
      name: "guest",
      list: list.id,
      value: guests[0]?.name ?? "",
      required: "",
      size: "14",
      "aria-describedby": `${list.id}-help`,
    });
    const args = el("input", { name: "args", placeholder: "prog=fib n=20", size: "18" });
    const memory = el(
      "select",
      { name: "memory" },
      ...MEMORY_CHOICES.map(([label], i) => el("option", { value: String(i) }, label)),
    );
    const form = el(
      "form",
      { class: "start inline", "aria-label": `start a VM on ${this.name}` },
      el("label", {}, "Guest ", guest, list),
      el(
        "span",
        { id: `${list.id}-help`, class: "help" },
        `bundled: ${guests.map((g) => g.name).join(", ")}, or a file's path on the host`,
      ),
      el("label", {}, "Arguments ", args),
      el("label", {}, "Memory ", memory),
      el("button", { type: "submit" }, "Start VM"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const size = MEMORY_CHOICES[Number(memory.value)]![1];
      void this.act(() =>
        this.connection.call("vm-create", { guest: guest.value, args: args.value, ...(size ? { memory: size } : {}) }),
      );
    });
    return form;
  }

  /** Runs a request; its error shows on the card. */
  private async act(request: () => Promise<unknown>): Promise<void> {
    try {
      this.problem.textContent = "";
      await request();
      await this.refresh();
    } catch (error) {
      this.problem.textContent = (error as Error).message;
    }
  }

  private async refresh(): Promise<void> {
    if (this.connection.closed) return;
    try {
      this.vms = await this.connection.call("query-vms", {});
    } catch {
      return;
    }
    this.render();
  }

  /** Ticks and traps per second, from two `query-status` a second apart. */
  private async measure(): Promise<void> {
    for (const vm of this.vms) {
      if (vm.state !== "running") continue;
      try {
        const status = await this.connection.call("query-status", { vm: vm.name });
        const traps = Object.values(
          (status.stats as { traps?: Record<string, number> }).traps ?? status.stats,
        ).reduce<number>((n, v) => n + (typeof v === "number" ? v : 0), 0);
        const now = performance.now();
        const before = this.rates.get(vm.name);
        const seconds = before ? (now - before.atMs) / 1000 : 0;
        this.rates.set(vm.name, {
          ticks: status.ticks,
          traps,
          atMs: now,
          ticksPerSecond: before && seconds > 0 ? (status.ticks - before.ticks) / seconds : 0,
          trapsPerSecond: before && seconds > 0 ? (traps - before.traps) / seconds : 0,
        });
      } catch {
        this.rates.delete(vm.name);
      }
    }
    this.render();
  }

  /** Rows are made once per VM and updated in place, so focus and clicks survive the polling. */
  private render(): void {
    const names = new Set(this.vms.map((vm) => vm.name));
    for (const [name, row] of this.rowOf) if (!names.has(name)) (row.remove(), this.rowOf.delete(name));
    const rows = this.vms.map((vm) => this.update(vm));
    if (rows.length === 0) this.rows.replaceChildren(el("tr", {}, el("td", { colspan: "8" }, "no VMs")));
    else if (rows.some((row, i) => this.rows.children[i] !== row)) this.rows.replaceChildren(...rows);
    this.fillChoices();
  }

  private update(vm: VmSummary): HTMLTableRowElement {
    let row = this.rowOf.get(vm.name);
    if (!row) {
      row = el(
        "tr",
        { "data-vm": vm.name },
        el("th", { scope: "row" }, vm.name),
        ...Array.from({ length: 7 }, () => el("td")),
      );
      row.addEventListener("dragstart", (event) =>
        event.dataTransfer?.setData("application/x-toyvmm-vm", JSON.stringify({ host: this.name, vm: vm.name })),
      );
      this.rowOf.set(vm.name, row);
    }
    const rate = this.rates.get(vm.name);
    const cells = [...row.cells];
    const text = (i: number, value: string, className = "number") => {
      cells[i]!.className = className;
      if (cells[i]!.textContent !== value) cells[i]!.textContent = value;
    };
    text(1, vm.kind, "");
    text(2, vm.waiting ? `${vm.state} (waits for ${vm.waiting})` : vm.state, `state ${vm.state}`);
    text(3, count(vm.ticks));
    text(4, rate && vm.state === "running" ? count(rate.ticksPerSecond) : "–");
    text(5, bytes(vm.memory));
    text(6, rate && vm.state === "running" ? count(rate.trapsPerSecond) : "–");
    row.draggable = vm.state === "running";
    if (row.dataset.state !== vm.state) {
      row.dataset.state = vm.state;
      cells[7]!.replaceChildren(...this.buttons(vm));
      cells[7]!.className = "actions";
    }
    return row;
  }

  private buttons(vm: VmSummary): HTMLButtonElement[] {
    const button = (label: string, key: string, run: () => void) => {
      const b = el(
        "button",
        { type: "button", "data-action": key, "aria-label": `${label.replace("…", "")} ${vm.name}` },
        label,
      );
      b.addEventListener("click", run);
      return b;
    };
    const list = [button("Console", "console", () => this.actions.console(this.connection, vm.name))];
    if (!this.steerable) return list;
    if (vm.state === "running")
      list.unshift(
        button("Pause", "pause", () => void this.act(() => this.connection.call("vm-pause", { vm: vm.name }))),
      );
    if (vm.state === "paused")
      list.unshift(
        button("Resume", "resume", () => void this.act(() => this.connection.call("vm-resume", { vm: vm.name }))),
      );
    if (vm.state === "running") list.push(button("Migrate…", "migrate", () => this.chooseMigration(vm.name)));
    return list;
  }

  /** Drop a VM row from another host's card here: the migrate form opens with this host as the destination. */
  private acceptDrops(): void {
    this.element.addEventListener("dragover", (event) => {
      if (event.dataTransfer?.types.includes("application/x-toyvmm-vm")) event.preventDefault();
    });
    this.element.addEventListener("drop", (event) => {
      const data = event.dataTransfer?.getData("application/x-toyvmm-vm");
      if (!data) return;
      event.preventDefault();
      const { host, vm } = JSON.parse(data) as { host: string; vm: string };
      if (host !== this.name) this.actions.card(host)?.chooseMigration(vm, this.name);
    });
  }

  /** One migrate form per card, outside the table, so that a re-render never takes it away. */
  private buildMigrateForm(): HTMLFormElement {
    const { vm, to, strategy, bandwidth, downtime, rounds } = this.migrateFields;
    const form = el(
      "form",
      { class: "migrate inline", "aria-label": `migrate a VM from ${this.name}` },
      el("label", {}, "Migrate ", vm),
      el("label", {}, "to ", to),
      el("label", {}, "strategy ", strategy),
      el("label", {}, "bandwidth MB/s ", bandwidth),
      el("label", {}, "downtime target ms ", downtime),
      el("label", {}, "max rounds ", rounds),
      el("button", { type: "submit" }, "Start migration"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const destination = this.actions.hosts().find((h) => h !== this.connection && h.greeting?.host === to.value);
      if (!destination || vm.value === "")
        return void (this.problem.textContent = "choose a running VM and another host to migrate it to");
      const request: MigrateChoice["request"] = { vm: vm.value, strategy: strategy.value as "pre-copy" };
      if (bandwidth.value !== "" && Number(bandwidth.value) > 0)
        request.bandwidth = Math.round(Number(bandwidth.value) * 1e6);
      if (downtime.value !== "") request.downtimeTargetNs = Math.round(Number(downtime.value) * 1e6);
      if (rounds.value !== "") request.maxRounds = Number(rounds.value);
      void this.act(() => this.actions.migrate({ from: this.connection, to: destination, request }));
    });
    return form;
  }

  /** Opens the migrate form on `vm`, with `to` as the destination when given. */
  chooseMigration(vm: string, to?: string): void {
    this.fillChoices();
    this.migrateFields.vm.value = vm;
    if (to !== undefined) this.migrateFields.to.value = to;
    (to !== undefined ? this.migrateFields.strategy : this.migrateFields.to).focus();
  }

  /** The form's running VMs and other hosts, keeping what is chosen. */
  private fillChoices(): void {
    if (!this.steerable) return;
    const refill = (select: HTMLSelectElement, values: string[]) => {
      const chosen = select.value;
      if ([...select.options].map((o) => o.value).join() === values.join()) return;
      select.replaceChildren(...values.map((v) => el("option", { value: v }, v)));
      if (values.includes(chosen)) select.value = chosen;
    };
    refill(
      this.migrateFields.vm,
      this.vms.filter((v) => v.state === "running").map((v) => v.name),
    );
    refill(
      this.migrateFields.to,
      this.actions
        .hosts()
        .filter((h) => h !== this.connection && h.greeting)
        .map((h) => h.greeting!.host),
    );
  }
}
