/**
 * Link parameters as users write them: `latency=50us,bandwidth=100Mbit/s,loss=0.01`, any of
 * the three, in migration's units (vmm/migration/units.ts). Bad text is one line naming the option.
 */
import { UserError } from "../../isa/errors.js";
import { parseBandwidth, parseDuration } from "../migration/units.js";
import type { LinkSpec } from "./network.js";

export function parseLinkSpec(text: string, option = "--link"): Partial<LinkSpec> {
  const spec: Partial<LinkSpec> = {};
  for (const part of text.split(",")) {
    const [key, value, extra] = part.split("=");
    if (value === undefined || extra !== undefined || value === "") {
      throw new UserError(`${option} ${JSON.stringify(text)}: expected KEY=VALUE,… with latency, bandwidth or loss`);
    }
    switch (key!.trim()) {
      case "latency": {
        const ns = parseDuration(value, `${option} latency`);
        if (ns <= 0) throw new UserError(`${option} latency ${JSON.stringify(value)}: must be more than 0`);
        spec.latencyNs = ns;
        break;
      }
      case "bandwidth":
        spec.bandwidth = value === "unlimited" ? 0 : parseBandwidth(value, `${option} bandwidth`);
        break;
      case "loss": {
        const loss = Number(value);
        if (!(value.trim() !== "" && loss >= 0 && loss <= 1)) throw new UserError(`${option} loss ${JSON.stringify(value)}: expected a share from 0 to 1, e.g. 0.01`);
        spec.loss = loss;
        break;
      }
      default:
        throw new UserError(`${option} ${JSON.stringify(text)}: unknown parameter ${JSON.stringify(key)} (latency, bandwidth, loss)`);
    }
  }
  return spec;
}
