/** The network device's section of `docs/ISA.md`, from its constants in isa/arch.ts and isa/devices/net.ts. */
import {
  CAUSE_NET, IRQ_NET, NET_CAUSE_ERROR, NET_CAUSE_RX, NET_DESC_BYTES, NET_DESC_DONE, NET_DESC_ERROR, NET_DESC_LENGTH,
  NET_FRAME_MAX, NET_FRAME_MIN, NET_RING_MAX, NET_STATUS_LINK, NET_TX_FRAME_TICKS, NET_TX_TICKS_PER_BYTE,
} from "../arch.js";
import { NET_INBOX_MAX } from "../devices/net.js";

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

export const NET_SECTION: string[] = [
  "### Network device",
  "",
  `An Ethernet NIC: frames of ${NET_FRAME_MIN} to ${NET_FRAME_MAX} bytes (header and payload, no checksum), a`,
  "transmit and a receive ring of descriptors in guest-physical memory, a MAC address, a link status",
  `and a receive interrupt (\`imask\`/\`ipend\` bit ${hex(IRQ_NET)}, cause \`${hex(CAUSE_NET)}\`, pending while \`netCause\` is not 0).`,
  "",
  `A ring is ${NET_RING_MAX} descriptors at most (a power of two), each ${NET_DESC_BYTES} bytes, word aligned:`,
  "",
  "```",
  "  +0  word  buffer address (guest-physical)",
  `  +4  word  bits 0..15 length (${hex(NET_DESC_LENGTH)}) · bit 30 ERROR (${hex(NET_DESC_ERROR)}) · bit 31 DONE (${hex(NET_DESC_DONE)})`,
  "```",
  "",
  "Indices count up for ever; descriptor *i* is slot *i* mod size. The guest owns the descriptors from",
  "the device's head up to its own tail:",
  "",
  "- **Transmit.** Write the frame's address and length into the descriptor at the tail, then `out`",
  "  the next tail to `netTxTail`: the device sends the descriptors from its head to the tail in turn,",
  "  writing each back with DONE. The first goes at the tick of that `out` if the transmitter is free;",
  `  each keeps it busy for ${NET_TX_FRAME_TICKS} ticks plus ${NET_TX_TICKS_PER_BYTE} per byte, and the next goes when it is free again.`,
  "  `netTxHead` says how far it got.",
  "- **Receive.** Write a buffer's address and size into descriptors and `out` the tail to `netRxTail`.",
  "  A frame that arrives goes into the descriptor at the head, which is written back with the frame's",
  `  length and DONE; the head moves on and \`netCause\` bit ${hex(NET_CAUSE_RX)} is set. While no buffer is free`,
  `  arriving frames wait in the device (at most ${NET_INBOX_MAX}; more are dropped).`,
  `- **Errors.** A ring or buffer not wholly inside memory, a frame length out of range or a buffer too small`,
  `  is never touched: its descriptor (if it lies inside) gets DONE and ERROR and \`netCause\` bit ${hex(NET_CAUSE_ERROR)} is set.`,
  "  A transmit ring outside memory is skipped whole (its head moves to the tail). Writing a ring's",
  "  address or size resets both its indices to 0.",
  "",
  `Link status (\`netStatus\` bit ${hex(NET_STATUS_LINK)}) is up while the NIC is plugged into a network. Frames arrive at`,
  "guest tick boundaries the network chose when it sent them, so a run with the same inputs is the same",
  "run, bare or monitored, however it is sliced; while the link is up and the interrupt enabled, `wfi`",
  "idles until a frame arrives (or the timer fires). The NIC's state is saved with the machine and migrates with it.",
  "",
];
