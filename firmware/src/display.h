/* The device's 128x64 monochrome display (docs/device.md "Display"): every screen drawn into a 1-bit
 * framebuffer, pixel for pixel as simulator/display.py draws it (the differential tests compare them).
 * Framebuffer: 1024 bytes, row-major, 16 bytes a row, most significant bit first, 1 = lit. */
#ifndef KB_DISPLAY_H
#define KB_DISPLAY_H

#include <stddef.h>
#include <stdint.h>

#define KB_FB_WIDTH 128
#define KB_FB_HEIGHT 64
#define KB_FB_SIZE (KB_FB_WIDTH * KB_FB_HEIGHT / 8)

enum kb_layout {
    KB_LAYOUT_TEXT,  /* title bar, body lines wrapped at words, menu items marked, an optional input field */
    KB_LAYOUT_WORDS, /* a mnemonic page: "N word" lines in two columns, its page line at the bottom */
    KB_LAYOUT_CODE,  /* the binding code, twice the size */
};

/* What the display draws besides the screen's text lines. */
typedef struct {
    enum kb_layout layout;
    const char *field; /* what the input field shows (already masked), or NULL: no field */
    size_t field_len;
    const char *const *menu; /* the body lines that are menu items */
    int menu_n;
} kb_display_state;

/* Draw a screen: its text (lines joined by '\n', the title first, as the debug op SCREEN answers). */
void kb_display_render(uint8_t fb[KB_FB_SIZE], const char *text, size_t len, const kb_display_state *st);

#endif
