/*
 * edgeq_semihost.c - ARM semihosting calls for Cortex-M (Thumb BKPT 0xAB).
 * Operation numbers and parameter blocks follow Arm's "Semihosting for AArch32
 * and AArch64" specification. Exit uses SYS_EXIT_EXTENDED so the host sees a
 * distinct status per failure; QEMU turns (ApplicationExit, code) into exit(code).
 */
#include "edgeq_semihost.h"

#define SH_SYS_OPEN 0x01
#define SH_SYS_CLOSE 0x02
#define SH_SYS_WRITE0 0x04
#define SH_SYS_WRITE 0x05
#define SH_SYS_READ 0x06
#define SH_SYS_FLEN 0x0C
#define SH_SYS_EXIT 0x18
#define SH_SYS_EXIT_EXTENDED 0x20
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define SH_ADP_STOPPED_RUNTIME_ERROR 0x20023u

static int32_t sh_call(int32_t op, const void *arg)
{
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static size_t sh_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

int32_t edgeq_sh_open(const char *path, int32_t mode)
{
    uint32_t block[3];
    block[0] = (uint32_t)(uintptr_t)path;
    block[1] = (uint32_t)mode;
    block[2] = (uint32_t)sh_strlen(path);
    return sh_call(SH_SYS_OPEN, block);
}

int32_t edgeq_sh_close(int32_t handle)
{
    uint32_t block[1];
    block[0] = (uint32_t)handle;
    return sh_call(SH_SYS_CLOSE, block);
}

size_t edgeq_sh_write(int32_t handle, const void *buf, size_t len)
{
    uint32_t block[3];
    int32_t not_written;
    block[0] = (uint32_t)handle;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = (uint32_t)len;
    not_written = sh_call(SH_SYS_WRITE, block);
    if (not_written < 0 || (size_t)not_written > len) {
        return 0;
    }
    return len - (size_t)not_written;
}

size_t edgeq_sh_read(int32_t handle, void *buf, size_t len)
{
    uint32_t block[3];
    int32_t not_read;
    block[0] = (uint32_t)handle;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = (uint32_t)len;
    not_read = sh_call(SH_SYS_READ, block);
    if (not_read < 0 || (size_t)not_read > len) {
        return 0;
    }
    return len - (size_t)not_read;
}

int32_t edgeq_sh_flen(int32_t handle)
{
    uint32_t block[1];
    block[0] = (uint32_t)handle;
    return sh_call(SH_SYS_FLEN, block);
}

void edgeq_sh_puts(const char *s)
{
    (void)sh_call(SH_SYS_WRITE0, s);
}

size_t edgeq_fmt_u64(char *out, uint64_t v)
{
    char tmp[21];
    size_t n = 0;
    size_t i;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    for (i = 0; i < n; i++) {
        out[i] = tmp[n - 1u - i];
    }
    out[n] = '\0';
    return n;
}

void edgeq_sh_put_u32(uint32_t v)
{
    char buf[21];
    (void)edgeq_fmt_u64(buf, v);
    edgeq_sh_puts(buf);
}

void edgeq_sh_put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[11];
    int i;
    buf[0] = '0';
    buf[1] = 'x';
    for (i = 0; i < 8; i++) {
        buf[2 + i] = digits[(v >> (28 - 4 * i)) & 0xFu];
    }
    buf[10] = '\0';
    edgeq_sh_puts(buf);
}

void edgeq_sh_exit(int32_t code)
{
    uint32_t block[2];
    block[0] = SH_ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    (void)sh_call(SH_SYS_EXIT_EXTENDED, block);
    /* A host without SYS_EXIT_EXTENDED: plain SYS_EXIT (success or failure only). */
    (void)sh_call(SH_SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? SH_ADP_STOPPED_APPLICATION_EXIT
                                                                   : SH_ADP_STOPPED_RUNTIME_ERROR));
    for (;;) {
    }
}
