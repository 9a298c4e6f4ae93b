/**
 * The web view: the hosts (the one that served this page, those named in `?hosts=` and those
 * added with the form), their VMs and consoles, the migrations they run — every one a host
 * reports, whether started here, by `toyvmm vm migrate` or by a simulated world — and the
 * experiments browser, loaded when its tab is opened.
 */
import "./style.css";
import { HostConnection } from "./connection.js";
import { ConsoleView } from "./console-view.js";
import { startFrameMeter } from "./frame-meter.js";
import { HostCard, type MigrateChoice } from "./hosts-view.js";
import { MigrationView } from "./migration-view.js";

const token = new URLSearchParams(location.hash.slice(1)).get("token");
const cards: HostCard[] = [];
const consoleView = new ConsoleView();
/** The migration views by source host and VM (null while one is being made). */
const migrations = new Map<string, MigrationView | null>();
const hostsElement = document.getElementById("hosts")!;
const migrationElement = document.getElementById("migration")!;

function addHost(address: string): void {
  if (cards.some((c) => c.connection.address === address)) return;
  const connection = new HostConnection(address, token);
  const card = new HostCard(connection, {
    hosts: () => cards.map((c) => c.connection),
    migrate,
    console: (host, vm) => void consoleView.follow(host, vm),
    card: (name) => cards.find((c) => c.name === name),
  });
  cards.push(card);
  hostsElement.append(card.element);
  void connection.ready.then(
    () => watchMigrations(connection),
    () => {},
  );
}

/** Opens a view on every outgoing migration a host starts, however it was asked for. */
function watchMigrations(host: HostConnection): void {
  host.onEvent((event) => {
    if (
      event.event === "MIGRATION" &&
      event.data.direction === "outgoing" &&
      !["completed", "failed", "cancelled"].includes(event.data.status)
    ) {
      void show(host, event.data.vm, null);
    }
  });
  // One already under way when the page opened.
  void host.call("query-migrations", {}).then(
    (list) =>
      list
        .filter((m) => m.direction === "outgoing" && !["completed", "failed", "cancelled"].includes(m.status))
        .forEach((m) => void show(host, m.vm, null)),
    () => {},
  );
}

/** The migration view of `vm` leaving `from`, made once. */
async function show(from: HostConnection, vm: string, choice: MigrateChoice | null): Promise<void> {
  const key = `${from.greeting?.host}/${vm}`;
  if (migrations.has(key) && !migrations.get(key)?.element.dataset.ended) return;
  migrations.set(key, null);
  const parameters = await from.call("query-migrate-parameters", {}).catch(() => null);
  const info = await from.call("query-migrate", { vm }).catch(() => null);
  const view = new MigrationView({
    source: from,
    vm,
    to: choice?.to.greeting?.host ?? info?.peer ?? "?",
    bandwidth: choice?.request.bandwidth ?? parameters?.bandwidth ?? null,
    downtimeTargetNs: choice?.request.downtimeTargetNs ?? parameters?.downtimeTargetNs ?? null,
    controls: from.greeting?.capabilities.includes("migration") ?? false,
  });
  migrations.set(key, view);
  view.onEnd = (end) => {
    const following = consoleView.vm;
    const to = choice?.to;
    // The console goes on where the VM now runs.
    if (end.status === "completed" && to && following?.host === from && following.vm === vm)
      void consoleView.follow(to, vm, true);
    if (end.status !== "completed" && to) void to.call("migrate-cancel", { vm }).catch(() => {});
  };
  migrationElement.hidden = false;
  migrationElement.prepend(view.element);
  // Only the newest few stay on the page.
  while (migrationElement.children.length > 3) migrationElement.lastElementChild!.remove();
}

/** A migration started from the page: the destination prepares a slot, the source sends the VM there. */
async function migrate(choice: MigrateChoice): Promise<void> {
  const { from, to, request } = choice;
  const slot = await to.call("migrate-incoming", { vm: request.vm });
  const key = `${from.greeting?.host}/${request.vm}`;
  migrations.delete(key);
  try {
    await from.call("migrate", { ...request, to: slot.address, token: slot.token });
  } catch (error) {
    await to.call("migrate-cancel", { vm: request.vm }).catch(() => {});
    throw error;
  }
  await show(from, request.vm, choice);
}

/** The experiments tab, with the server's results directory when it has one (its points replay here). */
async function openExperimentsTab(): Promise<void> {
  const view = await import("./experiments-view.js");
  const self = cards[0]!.connection;
  const replay = async (point: number) => {
    // The replay starts over with another migration of the same VM: the old view goes.
    for (const [key, view] of migrations) {
      if (!key.startsWith(`${self.greeting?.host}/`)) continue;
      view?.close();
      migrations.delete(key);
    }
    await self.request("replay-point", { point });
    document.querySelector<HTMLButtonElement>('button.tab[data-tab="hosts"]')!.click();
  };
  await view.openExperiments(document.getElementById("experiments-tab")!, await view.serverResults(replay));
}

function tabs(): void {
  const buttons = [...document.querySelectorAll<HTMLButtonElement>("button.tab")];
  for (const button of buttons) {
    button.addEventListener("click", () => {
      for (const other of buttons) {
        other.setAttribute("aria-pressed", String(other === button));
        document.getElementById(`${other.dataset.tab}-tab`)!.hidden = other !== button;
      }
      if (button.dataset.tab === "experiments") void openExperimentsTab();
    });
  }
}

document.getElementById("hosts-tab")!.append(consoleView.element);
document.getElementById("add-host")!.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = (event.target as HTMLFormElement).elements.namedItem("address") as HTMLInputElement;
  addHost(input.value.trim());
  input.value = "";
});
tabs();
addHost("");
for (const address of new URLSearchParams(location.search).get("hosts")?.split(",") ?? [])
  if (address.trim()) addHost(address.trim());
startFrameMeter(document.getElementById("fps")!);
