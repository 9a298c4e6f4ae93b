/**
 * A host process's life: it stops cleanly on SIGTERM and SIGINT (socket removed, exit 0), a
 * second host on the same socket is refused while the first lives, TCP is refused without a
 * token and served with one, and --detach / host stop work as scripts use them.
 */
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { singleLine, toyvmm } from "../cli/run-cli.js";
import { RawClient, requireBuild, runProgram, startHost, tempFolder, tokenFile, waitFor } from "./helpers.js";

beforeAll(requireBuild);

describe("a host process", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("stops on %s: clients closed, VMs stopped, socket removed, exit 0", async (signal) => {
    const host = await startHost();
    expect(statSync(host.socket).mode & 0o777).toBe(0o600);
    await toyvmm(["vm", "start", "programs/memwriter.s", "--args", "pages=4 iters=0", "--host", host.socket]);
    const client = await RawClient.open(host.socket);
    await client.next();
    expect(await host.stop(signal)).toBe(0);
    await waitFor(() => client.closed, "the client to be closed");
    expect(existsSync(host.socket)).toBe(false);
  });

  it("refuses a second host on a socket a live host holds, and replaces a dead host's", async () => {
    const first = await startHost();
    const second = await runProgram(["host", "--control", first.socket]);
    expect(second.code).toBe(1);
    expect(singleLine(second.stderr)).toBe(`toyvmm: ${first.socket}: a host is already running there`);
    // The first is untouched.
    expect((await toyvmm(["vm", "list", "--host", first.socket])).code).toBe(0);
    // Killed without a chance to clean up, it leaves its socket file: the next host takes its place.
    await first.stop("SIGKILL");
    expect(existsSync(first.socket)).toBe(true);
    const next = await startHost([], first.socket);
    expect((await toyvmm(["vm", "list", "--host", next.socket])).code).toBe(0);
    expect(await next.stop()).toBe(0);
  });

  it("refuses a control path that is not a socket", async () => {
    const path = join(tempFolder(), "precious.txt");
    writeFileSync(path, "keep me");
    const r = await runProgram(["host", "--control", path]);
    expect(singleLine(r.stderr)).toBe(`toyvmm: ${path}: exists and is not a socket; refusing to replace it`);
    expect(r.code).toBe(1);
  });

  it("refuses TCP without a token, and a token file others may read", async () => {
    const bare = await runProgram(["host", "--control", join(tempFolder(), "t.sock"), "--control-tcp", "0"]);
    expect(bare.code).toBe(1);
    expect(singleLine(bare.stderr)).toContain("--control-tcp needs --token-file FILE");
    const dir = tempFolder();
    const token = tokenFile(dir);
    chmodSync(token, 0o644);
    const open = await runProgram(["host", "--control", join(dir, "t.sock"), "--control-tcp", "0", "--token-file", token]);
    expect(singleLine(open.stderr)).toContain("other users may read this token file (mode 644); chmod 600 it");
  });

  it("serves TCP on loopback to a client with the token, and closes on a wrong one", async () => {
    const dir = tempFolder();
    const token = tokenFile(dir);
    const host = await startHost(["--control-tcp", "0", "--token-file", token], join(dir, "t.sock"));
    expect(host.stdout).toMatch(/listening on .*t\.sock and 127\.0\.0\.1:\d+/);
    const address = `127.0.0.1:${host.port}`;
    const started = await toyvmm(["vm", "start", "solo", "--host", address, "--token-file", token]);
    expect(started).toMatchObject({ code: 0, stdout: "solo started on host default\n" });
    expect((await toyvmm(["vm", "list", "--host", address])).stderr).toContain("needs --token-file");

    const raw = await RawClient.open(host.port!);
    expect((await raw.next()).toyvmm).toMatchObject({ auth: "token" });
    expect((await raw.call("query-vms")).error).toMatchObject({ class: "AuthenticationRequired" });
    expect((await raw.call("authenticate", { token: "not the token at all" })).error).toMatchObject({ class: "AuthenticationRequired" });
    await waitFor(() => raw.closed, "the connection to close");

    const wrong = join(dir, "wrong");
    writeFileSync(wrong, "ffffffffffffffffffffffffffffffff", { mode: 0o600 });
    const refused = await toyvmm(["vm", "list", "--host", address, "--token-file", wrong]);
    expect(singleLine(refused.stderr)).toBe("toyvmm: wrong token; closing the connection");
    expect(await host.stop()).toBe(0);
  });

  it("detaches for scripts, and stops when asked by host stop", async () => {
    const dir = tempFolder();
    const socket = join(dir, "d.sock");
    const log = join(dir, "d.log");
    const detached = await runProgram(["host", "--detach", "--control", socket, "--log-file", log, "--log-level", "info", "--name", "bg"]);
    expect(detached.code).toBe(0);
    expect(detached.stdout).toMatch(new RegExp(`^host bg listening on ${socket} \\(pid \\d+\\)\\n$`));
    const pid = Number(/pid (\d+)/.exec(detached.stdout)![1]);
    try {
      expect((await toyvmm(["vm", "list", "--host", socket])).code).toBe(0);
      const stopped = await toyvmm(["host", "stop", "--control", socket]);
      expect(stopped).toMatchObject({ code: 0, stderr: "" });
      expect(existsSync(socket)).toBe(false);
      // Its exit is the init process's to see (it reaps orphans in its own time); its log says it stopped.
      const messages = () => readFileSync(log, "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { msg: string }).msg);
      await waitFor(() => messages().includes("host stopped"), "the detached host to stop");
      expect(messages()).toEqual(["host started", "host stopping", "host stopped"]);
    } finally {
      if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  });

  it("says in one line when host stop finds nothing", async () => {
    const socket = join(tempFolder(), "gone.sock");
    const r = await toyvmm(["host", "stop", "--control", socket]);
    expect(singleLine(r.stderr)).toBe(`toyvmm: no host at ${socket} (nothing to stop)`);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
