/*
 * edgeq_counter.h - deterministic instruction counting on emulated Cortex-M.
 * Under QEMU with `-icount shift=0` every executed instruction advances virtual
 * time by 1 ns, and SysTick clocked from the core clock ticks once every
 * EDGEQ_TICK_INSTR_NUM / EDGEQ_TICK_INSTR_DEN instructions (a property of the
 * emulated board's clock, fixed per target). Counts are executed instructions,
 * not cycles, and are quantised to one tick per measured region.
 */
#ifndef EDGEQ_COUNTER_H
#define EDGEQ_COUNTER_H

#include <stdint.h>

#ifndef EDGEQ_TICK_INSTR_NUM
#define EDGEQ_TICK_INSTR_NUM 1
#endif
#ifndef EDGEQ_TICK_INSTR_DEN
#define EDGEQ_TICK_INSTR_DEN 1
#endif

/** Starts SysTick free-running from the core clock (no interrupt). */
void edgeq_counter_start(void);
/** Monotonic tick count since edgeq_counter_start; call at least once per 2^24 ticks. */
uint64_t edgeq_counter_now(void);
/** Converts ticks to executed instructions with the target's ratio. */
uint64_t edgeq_ticks_to_instructions(uint64_t ticks);

#endif /* EDGEQ_COUNTER_H */
