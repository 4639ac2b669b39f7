/*
 * edgeq_semihost.h - the firmware's only channel to the host: ARM semihosting
 * (BKPT 0xAB on M-profile). File I/O on the host, console output, and exit with
 * a verdict code. Works under QEMU with -semihosting-config enable=on and under a
 * debugger that implements semihosting. No libc needed.
 */
#ifndef EDGEQ_SEMIHOST_H
#define EDGEQ_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes the firmware reports; the host harness maps them back to meaning.
 * Under QEMU these become the process exit status (SYS_EXIT_EXTENDED subcode). */
#define EDGEQ_EXIT_OK 0
#define EDGEQ_EXIT_INVOKE_FAILED 2 /* model invoke returned non-zero */
#define EDGEQ_EXIT_IO 3            /* a semihosting file could not be used */
#define EDGEQ_EXIT_BAD_INPUT 4     /* input file size not a multiple of the vector size */
#define EDGEQ_EXIT_HARDFAULT 5     /* HardFault (or an escalated fault) */
#define EDGEQ_EXIT_UNEXPECTED_IRQ 6 /* an exception the firmware does not handle */

/* File open modes (the semihosting ISO C fopen mode index). */
#define EDGEQ_SH_MODE_RB 1 /* "rb" */
#define EDGEQ_SH_MODE_WB 5 /* "wb" */

/** Opens a host file; returns a handle >= 0 or -1 on failure. */
int32_t edgeq_sh_open(const char *path, int32_t mode);
/** Closes a handle; returns 0 on success. */
int32_t edgeq_sh_close(int32_t handle);
/** Writes len bytes; returns the number of bytes written. */
size_t edgeq_sh_write(int32_t handle, const void *buf, size_t len);
/** Reads up to len bytes; returns the number of bytes read (0 at end of file). */
size_t edgeq_sh_read(int32_t handle, void *buf, size_t len);
/** Length of an open file in bytes, or -1. */
int32_t edgeq_sh_flen(int32_t handle);
/** Writes a NUL-terminated string to the host console. */
void edgeq_sh_puts(const char *s);
/** Writes an unsigned value in decimal to the host console. */
void edgeq_sh_put_u32(uint32_t v);
/** Writes a value as 0x%08x to the host console. */
void edgeq_sh_put_hex(uint32_t v);
/** Ends the program with the given exit code (0 = success); never returns. */
void edgeq_sh_exit(int32_t code);

/** Formats v in decimal into out (at least 21 bytes); returns the length. */
size_t edgeq_fmt_u64(char *out, uint64_t v);

#endif /* EDGEQ_SEMIHOST_H */
