/* A bounded string builder for screen lines and error messages (no printf). */
#ifndef KB_FMT_H
#define KB_FMT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;
    size_t cap; /* including the NUL */
    size_t len;
} kb_fmt;

void kb_fmt_init(kb_fmt *f, char *buf, size_t cap);
void kb_fmt_char(kb_fmt *f, char c);
void kb_fmt_mem(kb_fmt *f, const char *s, size_t n);
void kb_fmt_str(kb_fmt *f, const char *s);
void kb_fmt_u32(kb_fmt *f, uint32_t v);
/* Upper-case hex, two digits a byte. */
void kb_fmt_hex(kb_fmt *f, const uint8_t *d, size_t n);

#endif
