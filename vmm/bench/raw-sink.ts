/**
 * The raw socket's sink in a process of its own (raw-socket.ts forks it): listens on a free
 * loopback port, tells its parent the port, and counts bytes until the parent kills it.
 */
import type { AddressInfo } from "node:net";
import { sinkServer } from "./raw-socket.js";

const server = sinkServer();
server.listen(0, "127.0.0.1", () => process.send!((server.address() as AddressInfo).port));
process.on("disconnect", () => process.exit(0));
