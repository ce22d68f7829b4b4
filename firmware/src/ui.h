/* The device's screens and buttons (docs/device.md; simulator/ui.py is the
 * reference): what a person, or the debug link, drives. */
#ifndef KB_UI_H
#define KB_UI_H

#include <stddef.h>
#include <stdint.h>

#include "display.h"

#define KB_MAX_TYPED 64
#define KB_WORDS_PER_PAGE 6 /* a mnemonic page: what the 128x64 display shows at once */

enum kb_screen {
    KB_SCR_SET_PIN,
    KB_SCR_CONFIRM_PIN,
    KB_SCR_LOCKED,
    KB_SCR_HOME,
    KB_SCR_WORD_COUNT,
    KB_SCR_SHOW_WORDS,
    KB_SCR_CHECK_WORD,
    KB_SCR_ENTER_WORD,
    KB_SCR_RESTORE_FAILED,
    KB_SCR_SETTINGS,
    KB_SCR_RESET_PIN,
    KB_SCR_BIND_CODE,
};

/* The UI's RAM state, shared by ui.c (actions) and ui_screen.c (rendering). */
typedef struct {
    enum kb_screen screen;
    const char *note;          /* the optional bracketed line, or NULL */
    char field[KB_MAX_TYPED];  /* the input field, not NUL-terminated */
    size_t field_len;
    int restoring;             /* WORD_COUNT flow: 0 "Create wallet", 1 "Restore wallet" */
    char pending_pin[KB_MAX_TYPED];
    size_t pending_len;
    int word_count;
    uint16_t words[24];        /* word indexes: shown (create) or entered (restore) */
    int nwords;
    int page;                  /* SHOW_WORDS: the mnemonic page shown, from 0 */
    int checks[2];             /* mnemonic-check positions still to ask, in order */
    int nchecks;
} kb_ui_state;

extern kb_ui_state kb_ui;

void kb_ui_boot(void);
uint16_t kb_ui_press(uint8_t button);
uint16_t kb_ui_type(const uint8_t *text, size_t n);
uint16_t kb_ui_choose(const uint8_t *item, size_t n);
void kb_ui_show_binding_code(void);

/* The screen: lines joined by '\n', title first. Returns the length. */
size_t kb_ui_render(char *out, size_t cap);
uint8_t kb_ui_lifecycle(void);

/* What the display shows now (display.c draws it). */
void kb_ui_framebuffer(uint8_t fb[KB_FB_SIZE]);

/* Whether a screen has an input field (TYPE fills it). */
int kb_ui_has_input(enum kb_screen s);

/* The menu items of the current screen; returns how many (0: no menu). */
int kb_ui_menu(const char *const **items);

#endif
