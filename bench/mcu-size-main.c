/*
 * mcu-size-main.c - minimal firmware main used by bench/mcu.ts to measure the
 * linked size of model and runtime at -Os without the profiling harness: one
 * invoke, then exit. Never run; only built and measured.
 */
#include EDGEQ_SIZE_MAIN_HEADER

#define EDGEQ_CAT2(a, b) a##b
#define EDGEQ_CAT(a, b) EDGEQ_CAT2(a, b)

int main(void)
{
    return EDGEQ_CAT(EDGEQ_SIZE_MAIN_PREFIX, _invoke)();
}
