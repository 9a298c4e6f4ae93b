; Boot: the NIC first (so ARP requests are answered from the start), then multi's boot
; (../multi/boot.s): run=, procs=, quantum=. This host's address is 10.0.0.<last byte of its MAC>.

net_boot:
    call nic_init               ; keeps a0 and a1, the boot arguments and memory size
    j boot
