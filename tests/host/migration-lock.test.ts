/**
 * Never two running copies, in the host itself: a VM a migration holds cannot be resumed,
 * paused, removed or saved-and-stopped by a client, and a name reserved for a VM on its way
 * here cannot be taken by another.
 */
import { describe, expect, it } from "vitest";
import { HANDLERS, type SessionControl } from "../../vmm/host/host-commands.js";
import { Host } from "../../vmm/host/host.js";
import { silentLogger } from "../../vmm/log.js";

const session = {} as SessionControl;
const newHost = () => new Host({ name: "t", version: "0", speed: "max", clock: { now: () => 0 }, log: silentLogger });

describe("a host's migration locks", () => {
  it("refuses clients' pause, resume, destroy and save-and-stop of a VM a migration holds, until it lets go", () => {
    const host = newHost();
    host.create({ guest: "solo", name: "s", args: "prog=hello", bare: false, paused: false });
    host.lock("s", "is migrating to 127.0.0.1:1");
    expect(() => HANDLERS["vm-pause"](host, { vm: "s" }, session)).toThrow(/vm-pause: s is migrating/);
    expect(() => HANDLERS["vm-resume"](host, { vm: "s" }, session)).toThrow(/vm-resume: s is migrating/);
    expect(() => HANDLERS["vm-destroy"](host, { vm: "s" }, session)).toThrow(/vm-destroy: s is migrating/);
    expect(() => HANDLERS["vm-save"](host, { vm: "s", file: "/nonexistent/x", stop: true, overwrite: false }, session)).toThrow(/vm-save: s is migrating/);
    host.unlock("s");
    expect(HANDLERS["vm-pause"](host, { vm: "s" }, session).state).toBe("paused");
  });

  it("keeps a reserved name for the VM on its way, and frees it when asked", () => {
    const host = newHost();
    host.reserve("incoming");
    expect(() => host.create({ guest: "solo", name: "incoming", args: "", bare: false, paused: false })).toThrow(/migrating to host t/);
    expect(host.create({ guest: "solo", args: "", bare: false, paused: false }).name).toBe("solo");
    host.unreserve("incoming");
    expect(host.create({ guest: "solo", name: "incoming", args: "", bare: false, paused: false }).name).toBe("incoming");
  });
});
