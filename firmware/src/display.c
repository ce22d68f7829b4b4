/* The display's drawing: the same algorithm as simulator/display.py, which documents the layout; change
 * both together (tests/test_display_pixels.py and the differential machine hold them to the same pixels). */
#include "display.h"

#include <string.h>

#include "font.h"

#define CELL_W 6
#define COLUMNS (KB_FB_WIDTH / CELL_W) /* 21 characters on a line */
#define TITLE_BAR_ROWS 9
#define BODY_Y 11
#define BODY_PITCH 9
#define BODY_SLOTS 6
#define WORDS_Y 13
#define WORDS_PITCH 12
#define WORDS_ROWS 3
#define WORD_X 14
#define WORD_MAX 8
#define CODE_SCALE 2
#define CODE_Y 27
#define MENU_LINE_MAX 40

static const int words_col_x[2] = {2, 66};

static void pixel(uint8_t *fb, int x, int y, int lit)
{
    uint8_t bit;

    if (x < 0 || x >= KB_FB_WIDTH || y < 0 || y >= KB_FB_HEIGHT) {
        return;
    }
    bit = (uint8_t)(0x80u >> (x % 8));
    if (lit) {
        fb[y * 16 + x / 8] |= bit;
    } else {
        fb[y * 16 + x / 8] &= (uint8_t)~bit;
    }
}

/* A character outside printable ASCII is drawn as '?'; what falls off the display is cut. */
static void text(uint8_t *fb, int x, int y, const char *s, size_t n, int lit, int scale)
{
    size_t i;
    int row, col, dx, dy;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const uint8_t *glyph;
        int left = x + (int)i * CELL_W * scale;

        if (c < KB_FONT_FIRST || c > KB_FONT_LAST) {
            c = '?';
        }
        glyph = kb_font[c - KB_FONT_FIRST];
        for (row = 0; row < KB_GLYPH_H; row++) {
            for (col = 0; col < KB_GLYPH_W; col++) {
                if (!(glyph[row] & (0x10u >> col))) {
                    continue;
                }
                for (dy = 0; dy < scale; dy++) {
                    for (dx = 0; dx < scale; dx++) {
                        pixel(fb, left + col * scale + dx, y + row * scale + dy, lit);
                    }
                }
            }
        }
    }
}

/* Python's floor division by 2, also for a negative width (a text wider than the display). */
static int centred_x(size_t n, int scale)
{
    int twice = KB_FB_WIDTH - ((int)n * CELL_W - 1) * scale;
    return twice >= 0 ? twice / 2 : -((-twice + 1) / 2);
}

/* The body's drawing position: parts go to the next slot until the slots run out. */
typedef struct {
    uint8_t *fb;
    int slot, slots;
} body_ctx;

static void emit(body_ctx *b, const char *s, size_t n)
{
    if (b->slot < b->slots) {
        text(b->fb, 1, BODY_Y + b->slot * BODY_PITCH, s, n, 1, 1);
    }
    b->slot++;
}

/* Break a line at spaces into parts of at most 21 characters; a word longer than a line is cut. The part being
 * built is always a run of the line itself (s[cur..cur+cur_len)), as the words are joined by the spaces. */
static void wrap(body_ctx *b, const char *s, size_t n)
{
    size_t pos = 0, cur = 0, cur_len = 0;
    int have = 0;

    for (;;) {
        size_t w_start = pos, w_end = pos, cand;
        while (w_end < n && s[w_end] != ' ') {
            w_end++;
        }
        cand = have ? w_end - cur : w_end - w_start;
        if (cand <= COLUMNS) {
            if (!have) {
                cur = w_start;
                have = 1;
            }
            cur_len = cand;
        } else {
            if (have) {
                emit(b, s + cur, cur_len);
            }
            cur = w_start;
            cur_len = w_end - w_start;
            have = 1;
            while (cur_len > COLUMNS) {
                emit(b, s + cur, COLUMNS);
                cur += COLUMNS;
                cur_len -= COLUMNS;
            }
        }
        if (w_end >= n) {
            break;
        }
        pos = w_end + 1;
    }
    emit(b, s + cur, cur_len);
}

static int is_menu_item(const kb_display_state *st, const char *s, size_t n)
{
    int i;
    for (i = 0; i < st->menu_n; i++) {
        if (strlen(st->menu[i]) == n && memcmp(st->menu[i], s, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static void body_line(body_ctx *b, const kb_display_state *st, const char *s, size_t n)
{
    char marked[MENU_LINE_MAX];

    if (n + 2 <= sizeof marked && is_menu_item(st, s, n)) {
        marked[0] = '>';
        marked[1] = ' ';
        memcpy(marked + 2, s, n);
        wrap(b, marked, n + 2);
    } else {
        wrap(b, s, n);
    }
}

static void words_entry(uint8_t *fb, int i, const char *s, size_t n)
{
    const char *space = memchr(s, ' ', n);
    size_t num_len = space ? (size_t)(space - s) : n;
    const char *word = space ? space + 1 : s + n;
    size_t word_len = (size_t)(s + n - word);
    int x = words_col_x[i / WORDS_ROWS], y = WORDS_Y + (i % WORDS_ROWS) * WORDS_PITCH;

    text(fb, x + (2 - (int)num_len) * CELL_W, y, s, num_len < 2 ? num_len : 2, 1, 1);
    text(fb, x + WORD_X, y, word, word_len < WORD_MAX ? word_len : WORD_MAX, 1, 1);
}

void kb_display_render(uint8_t fb[KB_FB_SIZE], const char *s, size_t len, const kb_display_state *st)
{
    const char *end = s + len, *line = s, *nl;
    size_t n, title_len;
    int index = 0, words = 0;
    body_ctx b;
    const char *last = NULL;
    size_t last_len = 0;

    memset(fb, 0, KB_FB_SIZE);
    memset(fb, 0xFF, TITLE_BAR_ROWS * 16);
    b.fb = fb;
    b.slot = 0;
    b.slots = BODY_SLOTS - (st->field != NULL);
    for (;;) {
        nl = memchr(line, '\n', (size_t)(end - line));
        n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        if (index == 0) {
            title_len = n < COLUMNS ? n : COLUMNS;
            if (title_len) {
                text(fb, centred_x(title_len, 1), 1, line, title_len, 0, 1);
            }
        } else if (st->layout == KB_LAYOUT_TEXT) {
            body_line(&b, st, line, n);
        } else if (st->layout == KB_LAYOUT_CODE) {
            if (index == 1) {
                text(fb, centred_x(n, CODE_SCALE), CODE_Y, line, n, 1, CODE_SCALE);
            }
        } else {
            /* A mnemonic page: every line but the last is a word; the last is drawn once the text ends. */
            if (last != NULL && words < 2 * WORDS_ROWS) {
                words_entry(fb, words, last, last_len);
            }
            if (last != NULL) {
                words++;
            }
            last = line;
            last_len = n;
        }
        index++;
        if (!nl) {
            break;
        }
        line = nl + 1;
    }
    if (st->layout == KB_LAYOUT_WORDS && last != NULL) {
        text(fb, centred_x(last_len, 1), BODY_Y + (BODY_SLOTS - 1) * BODY_PITCH, last, last_len, 1, 1);
    }
    if (st->layout == KB_LAYOUT_TEXT && st->field != NULL) {
        size_t keep = COLUMNS - 3, shown = st->field_len < keep ? st->field_len : keep;
        int y = BODY_Y + (BODY_SLOTS - 1) * BODY_PITCH;
        text(fb, 1, y, "> ", 2, 1, 1);
        text(fb, 1 + 2 * CELL_W, y, st->field + st->field_len - shown, shown, 1, 1);
        text(fb, 1 + (2 + (int)shown) * CELL_W, y, "_", 1, 1, 1);
    }
}
