/**
 * Network benchmarks, called by the bench program (`npm run bench`): frames per second of
 * host time through the simulated switch between two VMs on one host (guest-os/net-demo's
 * pinger and reflector, stop and wait, on links of 10 us), and the guest instructions each
 * frame costs the two bare-metal drivers.
 */
import { assembleText } from "../../isa/sources.js";
import { createVm } from "../monitor/vm.js";
import { defaultMac } from "../net/mac.js";
import { Network } from "../net/network.js";

export interface NetworkBenchReport {
  frames: number;
  ms: number;
  framesPerSecond: number;
  /** Guest instructions retired (idle ticks not counted) per frame, sent and received, on each side. */
  instructionsPerFrame: { pinger: number; reflector: number };
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function benchNetwork(count = 20_000): NetworkBenchReport {
  const peer = defaultMac(0);
  const defines = {
    COUNT: count,
    PEER_LOW: peer[0]! | (peer[1]! << 8) | (peer[2]! << 16) | (peer[3]! << 24),
    PEER_HIGH: peer[4]! | (peer[5]! << 8),
    TIMEOUT: 1_000_000,
  };
  const reflectorImage = assembleText('.include "net-demo/reflector-core.s"\n', "reflector.s", { defines: { FRAMES: 0x7fffffff } }).image;
  const pingerImage = assembleText('.include "net-demo/pinger-core.s"\n', "pinger.s", { defines }).image;
  const net = new Network();
  const reflector = createVm({ name: "reflector", image: reflectorImage, nic: { mac: defaultMac(0) } });
  const pinger = createVm({ name: "pinger", image: pingerImage, nic: { mac: defaultMac(1) } });
  net.plug("reflector", reflector, { link: { latencyNs: 10_000 } });
  net.plug("pinger", pinger, { link: { latencyNs: 10_000 } });
  const start = nowMs();
  net.run(Number.MAX_SAFE_INTEGER, () => pinger.ended !== null);
  const ms = nowMs() - start;
  if (pinger.ended?.kind !== "halted" || pinger.ended.status !== 0) throw new Error(`network bench: the pinger ended ${JSON.stringify(pinger.ended)}`);
  const frames = 2 * count;
  const perFrame = (m: typeof pinger) => (m.cpu.ticks - m.cpu.idleTicks) / frames;
  return { frames, ms, framesPerSecond: (frames / ms) * 1000, instructionsPerFrame: { pinger: perFrame(pinger), reflector: perFrame(reflector) } };
}

export function formatNetworkReport(r: NetworkBenchReport): string {
  return [
    "network (two VMs on one simulated switch, stop and wait):",
    `  ${r.frames} frames in ${r.ms.toFixed(0)} ms: ${Math.round(r.framesPerSecond)} frames/s through the switch`,
    `  guest instructions per frame (sent or received): pinger ${r.instructionsPerFrame.pinger.toFixed(1)}, reflector ${r.instructionsPerFrame.reflector.toFixed(1)}`,
    "",
  ].join("\n");
}
