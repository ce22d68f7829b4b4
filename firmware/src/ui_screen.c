/* What the screen shows (docs/device.md "Screens"). */
#include <string.h>

#include "bip39.h"
#include "fmt.h"
#include "memzero.h"
#include "secrets.h"
#include "ui.h"

static const char *const menu_home_empty[] = {"Create wallet", "Restore wallet", "Settings"};
static const char *const menu_home_wallet[] = {"Settings"};
static const char *const menu_settings[] = {"Reset device", "Back"};

int kb_ui_menu(const char *const **items)
{
    if (kb_ui.screen == KB_SCR_HOME) {
        if (kb_has_wallet()) {
            *items = menu_home_wallet;
            return 1;
        }
        *items = menu_home_empty;
        return 3;
    }
    if (kb_ui.screen == KB_SCR_SETTINGS) {
        *items = menu_settings;
        return 2;
    }
    *items = NULL;
    return 0;
}

static void line(kb_fmt *f, const char *s)
{
    if (f->len) {
        kb_fmt_char(f, '\n');
    }
    kb_fmt_str(f, s);
}

static void note(kb_fmt *f)
{
    if (kb_ui.note) {
        line(f, kb_ui.note);
    }
}

static void attempts_left(kb_fmt *f)
{
    int left = 5 - kb_pin_fails();
    kb_fmt_char(f, '\n');
    if (left < 0) {
        kb_fmt_char(f, '-');
        left = -left;
    }
    kb_fmt_u32(f, (uint32_t)left);
    kb_fmt_str(f, left == 1 ? " attempt left" : " attempts left");
}

static void menu_lines(kb_fmt *f)
{
    const char *const *items;
    int i, n = kb_ui_menu(&items);
    for (i = 0; i < n; i++) {
        line(f, items[i]);
    }
}

size_t kb_ui_render(char *out, size_t cap)
{
    kb_fmt f;
    int i;

    kb_fmt_init(&f, out, cap);
    switch (kb_ui.screen) {
    case KB_SCR_SET_PIN:
        line(&f, "Set PIN");
        note(&f);
        line(&f, "Enter 6 to 8 digits");
        break;
    case KB_SCR_CONFIRM_PIN:
        line(&f, "Confirm PIN");
        line(&f, "Enter the PIN again");
        break;
    case KB_SCR_LOCKED:
        line(&f, "Enter PIN");
        note(&f);
        attempts_left(&f);
        break;
    case KB_SCR_HOME:
        line(&f, "Home");
        if (kb_has_wallet()) {
            line(&f, "Wallet ready");
            line(&f, "Settings");
        } else {
            menu_lines(&f);
        }
        break;
    case KB_SCR_WORD_COUNT:
        line(&f, kb_ui.restoring ? "Restore wallet" : "Create wallet");
        note(&f);
        line(&f, "Number of words: 12 15 18 21 24");
        break;
    case KB_SCR_SHOW_WORDS: {
        int first = kb_ui.page * KB_WORDS_PER_PAGE;
        line(&f, "Write down your words");
        for (i = first; i < kb_ui.nwords && i < first + KB_WORDS_PER_PAGE; i++) {
            kb_fmt_char(&f, '\n');
            kb_fmt_u32(&f, (uint32_t)i + 1);
            kb_fmt_char(&f, ' ');
            kb_fmt_str(&f, kb_bip39_words[kb_ui.words[i]]);
        }
        line(&f, "Page ");
        kb_fmt_u32(&f, (uint32_t)kb_ui.page + 1);
        kb_fmt_str(&f, " of ");
        kb_fmt_u32(&f, (uint32_t)((kb_ui.nwords + KB_WORDS_PER_PAGE - 1) / KB_WORDS_PER_PAGE));
        break;
    }
    case KB_SCR_CHECK_WORD:
        line(&f, "Check your words");
        note(&f);
        line(&f, "Word #");
        kb_fmt_u32(&f, (uint32_t)kb_ui.checks[0] + 1);
        break;
    case KB_SCR_ENTER_WORD:
        line(&f, "Restore wallet");
        note(&f);
        line(&f, "Word ");
        kb_fmt_u32(&f, (uint32_t)kb_ui.nwords + 1);
        kb_fmt_str(&f, " of ");
        kb_fmt_u32(&f, (uint32_t)kb_ui.word_count);
        break;
    case KB_SCR_RESTORE_FAILED:
        line(&f, "Restore wallet");
        line(&f, "Invalid mnemonic: bad checksum");
        break;
    case KB_SCR_SETTINGS:
        line(&f, "Settings");
        menu_lines(&f);
        break;
    case KB_SCR_RESET_PIN:
        line(&f, "Reset device");
        note(&f);
        line(&f, "Enter PIN to erase everything");
        attempts_left(&f);
        break;
    case KB_SCR_BIND_CODE: {
        char code[8];
        line(&f, "Binding code");
        kb_fmt_char(&f, '\n');
        if (kb_binding_code(code)) {
            kb_fmt_mem(&f, code, sizeof code);
        }
        break;
    }
    }
    return f.len;
}

/* The screen text of the longest screen (reset, with a note) is under 100 characters. */
#define SCREEN_TEXT_MAX 256

void kb_ui_framebuffer(uint8_t fb[KB_FB_SIZE])
{
    char text[SCREEN_TEXT_MAX], masked[KB_MAX_TYPED];
    kb_display_state st = {KB_LAYOUT_TEXT, NULL, 0, NULL, 0};
    size_t n = kb_ui_render(text, sizeof text);
    enum kb_screen s = kb_ui.screen;

    if (s == KB_SCR_SHOW_WORDS) {
        st.layout = KB_LAYOUT_WORDS;
    } else if (s == KB_SCR_BIND_CODE) {
        st.layout = KB_LAYOUT_CODE;
    } else if (kb_ui_has_input(s)) {
        /* PINs and the words of a mnemonic show as '*' (screen pictures go into evidence and golden files);
         * only the word count shows what was typed. */
        if (s == KB_SCR_WORD_COUNT) {
            st.field = kb_ui.field;
        } else {
            memset(masked, '*', kb_ui.field_len);
            st.field = masked;
        }
        st.field_len = kb_ui.field_len;
    }
    if (st.layout == KB_LAYOUT_TEXT) {
        st.menu_n = kb_ui_menu(&st.menu);
    }
    kb_display_render(fb, text, n, &st);
    kb_memzero(text, sizeof text);
}

uint8_t kb_ui_lifecycle(void)
{
    switch (kb_ui.screen) {
    case KB_SCR_SET_PIN:
    case KB_SCR_CONFIRM_PIN:
        return 0x81;
    case KB_SCR_SHOW_WORDS:
    case KB_SCR_CHECK_WORD:
        return 0x84;
    case KB_SCR_ENTER_WORD:
        return 0x85;
    default:
        return kb_has_wallet() ? 0x86 : 0x83;
    }
}
