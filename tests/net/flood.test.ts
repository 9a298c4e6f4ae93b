/**
 * A hostile guest floods the network: it rings for a whole ring of broadcast frames again and
 * again, for ever. The NIC sends no faster than its line rate in guest time, what the host holds
 * for it stays bounded (its link's queue, the other NICs' inboxes), and with a bandwidth limit
 * on its port the VMs beside it still get their work done.
 */
import { describe, expect, it } from "vitest";
import { assemble } from "../../isa/asm/index.js";
import { NET_TX_FRAME_TICKS, NET_TX_TICKS_PER_BYTE } from "../../isa/arch.js";
import { NET_INBOX_MAX } from "../../isa/devices/net.js";
import { createVm } from "../../vmm/monitor/vm.js";
import { LINK_QUEUE_MAX } from "../../vmm/net/link.js";
import { defaultMac } from "../../vmm/net/mac.js";
import { Network } from "../../vmm/net/network.js";
import { reflectorImage, senderImage } from "./reflector.js";

const FLOODER = `
.memsize 65536
.org 0x0
    li t0, 0x1000               ; 256 descriptors, every one the same 1514-byte broadcast frame
    li t1, 256
    li t2, 0x2000
    li t3, 1514
fill:
    sw t2, 0(t0)
    sw t3, 4(t0)
    addi t0, t0, 8
    addi t1, t1, -1
    bnez t1, fill
    li t0, -1
    sw t0, 0(t2)
    sh t0, 4(t2)
    li t0, 0x1000
    out PORT_NET_TX_RING, t0
    li t0, 256
    out PORT_NET_TX_SIZE, t0
    li s0, 0
again:
    addi s0, s0, 256
    out PORT_NET_TX_TAIL, s0
    j again
`;

describe("a guest that floods the network", () => {
  it("is held to its bounds, and the VMs beside it finish their work", () => {
    const net = new Network();
    const flooder = createVm({ name: "flooder", image: assemble(FLOODER, { file: "flooder.s" }).image, nic: { mac: defaultMac(2) } });
    const reflector = createVm({ name: "reflector", image: reflectorImage(1_000_000), nic: { mac: defaultMac(1) } });
    const pinger = createVm({ name: "pinger", image: senderImage(20, defaultMac(1)), nic: { mac: defaultMac(0) } });
    net.plug("pinger", pinger);
    net.plug("reflector", reflector);
    net.plug("flooder", flooder, { link: { bandwidth: 1_000_000 } });
    let worstInbox = 0;
    net.run(5e7, () => {
      worstInbox = Math.max(worstInbox, pinger.nic!.queued, reflector.nic!.queued);
      return pinger.ended !== null;
    });
    expect(pinger.ended).toEqual({ kind: "halted", status: 0 });
    expect(worstInbox).toBeLessThanOrEqual(NET_INBOX_MAX);
    const report = net.report().find((p) => p.name === "flooder")!;
    // The NIC's line rate bounds what the flooder sends by its guest time; its port's bandwidth
    // and queue bound what goes on to the switch.
    const sent = flooder.nic!.counters.txFrames;
    expect(sent).toBeLessThanOrEqual(Math.ceil(flooder.cpu.ticks / (NET_TX_FRAME_TICKS + 1514 * NET_TX_TICKS_PER_BYTE)) + 1);
    expect(sent).toBe(report.sent.frames + report.sent.queueDrops + report.sent.lost);
    expect(report.sent.queueDrops).toBeGreaterThan(0);
    expect(report.sent.frames).toBeLessThanOrEqual(LINK_QUEUE_MAX + Math.ceil((net.time / 1e8) * (1_000_000 / 1514)) + 1);
  });
});
