/**
 * The network's library API: the simulated network `toyvmm boot --net` uses, for scripts and
 * experiments, and the protocols without I/O real hosts drive (the tunnel, the hostfwd end).
 */
export { announceFrame } from "./announce.js";
export { FRONT_END_TABLE_MAX, FrontEnd, type FrontEndAction, type FrontEndOptions, type FrontEndReport } from "./front-end.js";
export { LearningSwitch, SWITCH_TABLE_MAX } from "./learning-switch.js";
export { LINK_QUEUE_MAX, LinkDirection, seededRandom, type LinkCounters, type LinkParams } from "./link.js";
export { parseLinkSpec } from "./link-spec.js";
export { defaultMac, formatMac, parseMac } from "./mac.js";
export { DEFAULT_LINK, DEFAULT_NET_SPEED, Network, type LinkSpec, type NetworkOptions, type NetworkStop, type PortReport } from "./network.js";
export { parsePcap, PcapWriter, PCAP_LIMIT, type PcapRecord } from "./pcap.js";
export { CONNECTIONS_MAX, Forwarder, type GuestPort } from "./hostfwd.js";
export { TcpEndpoint, type CloseReason, type EndpointOptions, type EndpointState, type Segment } from "./tcp-endpoint.js";
export { arpReply, formatIp, readArpRequest, readTcpFrame, tcpFrame, type TcpSegment } from "./tcp-frames.js";
export { encodeTunnelFrame, TunnelDecoder, TunnelError, tunnelHello } from "./tunnel-codec.js";
