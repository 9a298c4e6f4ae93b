; Sends every frame it receives back to its sender, for ever (see reflector-core.s).
;   toyvmm boot guest-os/net-demo/reflector.s guest-os/net-demo/pinger.s --net --until pinger
FRAMES = 0x7fffffff
.include "reflector-core.s"
