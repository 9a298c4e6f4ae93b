; The user programs. Each starts with a0 = its argument (0 at boot, spawn's second argument
; otherwise) and a1 = its pid, in user mode with nothing mapped but the shared code.

multi_program_count:
    .word 6
multi_programs:
    .word s_name_count, p_count
    .word s_name_sleeper, p_sleeper
    .word s_name_heap, p_heap
    .word s_name_bad, p_bad
    .word s_name_parent, p_parent
    .word s_name_hog, p_hog
    .word 0, 0

.include "user-programs.s"
