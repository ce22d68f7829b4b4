#include "fmt.h"

#include <string.h>

void kb_fmt_init(kb_fmt *f, char *buf, size_t cap)
{
    f->buf = buf;
    f->cap = cap;
    f->len = 0;
    if (cap) {
        buf[0] = '\0';
    }
}

void kb_fmt_char(kb_fmt *f, char c)
{
    if (f->len + 1 < f->cap) {
        f->buf[f->len++] = c;
        f->buf[f->len] = '\0';
    }
}

void kb_fmt_mem(kb_fmt *f, const char *s, size_t n)
{
    while (n--) {
        kb_fmt_char(f, *s++);
    }
}

void kb_fmt_str(kb_fmt *f, const char *s)
{
    kb_fmt_mem(f, s, strlen(s));
}

void kb_fmt_u32(kb_fmt *f, uint32_t v)
{
    char digits[10];
    int n = 0;

    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n) {
        kb_fmt_char(f, digits[--n]);
    }
}

void kb_fmt_hex(kb_fmt *f, const uint8_t *d, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    while (n--) {
        kb_fmt_char(f, hex[*d >> 4]);
        kb_fmt_char(f, hex[*d & 15]);
        d++;
    }
}
