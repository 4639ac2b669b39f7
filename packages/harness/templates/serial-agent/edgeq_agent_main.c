/*
 * edgeq_agent_main.c - main() of the stand-alone agent firmware edgeq builds for
 * the QEMU boards (edgeq's startup has set up memory). On a real board, call
 * edgeq_agent_serve() from your own main after the clock and UART are set up.
 */
#include "edgeq_agent.h"

int main(void)
{
    edgeq_agent_serve(&edgeq_agent_served_model);
    return 0;
}
