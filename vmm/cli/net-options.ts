/**
 * `toyvmm boot --net`: the VMs get a NIC each (MACs 52:54:00:00:00:01, :02, … in order) and are
 * plugged into one simulated switch on virtual time (vmm/net). --link sets the links, --capture
 * writes a pcap per port, --until says which VMs' end ends the run (servers run for ever).
 * The options are declared here; the network runs in net-run.ts, loaded only with --net.
 */
import type { Options } from "yargs";
import { UserError } from "../../isa/errors.js";
import { defaultMac } from "../net/mac.js";

export const NET_OPTIONS = {
  net: { type: "boolean", default: false, describe: "Give every VM a NIC and plug them all into one simulated switch" },
  link: {
    type: "string",
    array: true,
    describe: "With --net: link parameters latency=D,bandwidth=B,loss=P for every port, or NAME:… for one VM's (repeatable; default latency=50us, unlimited bandwidth, no loss)",
  },
  capture: { type: "string", describe: "With --net: write each VM's port to DIR/NAME.pcap (tcpdump -r, Wireshark)" },
  seed: { type: "number", default: 1, describe: "With --net: seed of the links' losses" },
  until: {
    type: "string",
    array: true,
    describe: "With --net: stop when these VMs have ended (repeatable; default: when all have); the others are stopped then",
  },
  cluster: {
    type: "string",
    array: true,
    describe:
      "With --net: a cluster front end (fig. 3-13) in the switch takes 10.0.0.1 and hands each new TCP connection to it to the next of these VMs in turn (comma-separated or repeated); the VMs' addresses then start at 10.0.0.2, and the servers take boot argument vip=1",
  },
} as const satisfies Record<string, Options>;

export interface NetCliOptions {
  net: boolean;
  link?: string[];
  capture?: string;
  seed: number;
  until?: string[];
  cluster?: string[];
}

/** Refuses network options without --net, so a forgotten --net is not a silent no-op. */
export function checkNetOptions(args: NetCliOptions): void {
  if (args.net) return;
  const given = (["link", "capture", "until", "cluster"] as const).find((k) => args[k] !== undefined);
  if (given) throw new UserError(`--${given} needs --net`);
}

/** The NIC of the `index`-th VM on the network; with a cluster front end, which takes the first address, of the next. */
export const nicOf = (index: number, args: NetCliOptions) => ({ mac: defaultMac(index + (args.cluster ? 1 : 0)) });

/** The address and MAC of a cluster's front end: the first of the network, 10.0.0.1 and 52:54:00:00:00:01. */
export const FRONT_END_VIP = 0x0a000001;
export const frontEndMac = () => defaultMac(0);
