; Ten frames to the first VM on the network (52:54:00:00:00:01), each answered before the next
; (see pinger-core.s); a reply missing for 1 ms of guest time (at 100 MHz) is asked for again.
PEER_LOW = 0x00005452
PEER_HIGH = 0x0100
COUNT = 10
TIMEOUT = 100000
.include "pinger-core.s"
