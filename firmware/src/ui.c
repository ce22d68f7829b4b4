/* What the hands do (docs/device.md "Debug-link ops on each screen"). */
#include "ui.h"

#include <string.h>

#include "bip39.h"
#include "memzero.h"
#include "rng.h"
#include "secrets.h"
#include "sw.h"

kb_ui_state kb_ui;

static void go(enum kb_screen screen, const char *note)
{
    kb_ui.screen = screen;
    kb_ui.note = note;
    kb_ui.field_len = 0;
}

void kb_ui_boot(void)
{
    kb_memzero(&kb_ui, sizeof kb_ui);
    go(kb_has_pin() ? KB_SCR_LOCKED : KB_SCR_SET_PIN, NULL);
}

void kb_ui_show_binding_code(void)
{
    go(KB_SCR_BIND_CODE, NULL);
}

int kb_ui_has_input(enum kb_screen s)
{
    return s == KB_SCR_SET_PIN || s == KB_SCR_CONFIRM_PIN || s == KB_SCR_LOCKED ||
           s == KB_SCR_WORD_COUNT || s == KB_SCR_CHECK_WORD || s == KB_SCR_ENTER_WORD ||
           s == KB_SCR_RESET_PIN;
}

uint16_t kb_ui_type(const uint8_t *text, size_t n)
{
    size_t i;

    if (!kb_ui_has_input(kb_ui.screen)) {
        return SW_CONDITIONS_NOT_SATISFIED;
    }
    if (n > KB_MAX_TYPED) {
        return SW_COMMAND_DATA_ERROR;
    }
    for (i = 0; i < n; i++) {
        if (text[i] & 0x80) {
            return SW_COMMAND_DATA_ERROR;
        }
    }
    memcpy(kb_ui.field, text, n);
    kb_ui.field_len = n;
    return SW_OK;
}

uint16_t kb_ui_choose(const uint8_t *item, size_t n)
{
    const char *const *menu;
    int count = kb_ui_menu(&menu), i;
    const char *name = NULL;

    if (count == 0) {
        return SW_CONDITIONS_NOT_SATISFIED;
    }
    for (i = 0; i < count; i++) {
        if (strlen(menu[i]) == n && memcmp(menu[i], item, n) == 0) {
            name = menu[i];
        }
    }
    if (name == NULL) {
        return SW_COMMAND_DATA_ERROR;
    }
    if (strcmp(name, "Create wallet") == 0 || strcmp(name, "Restore wallet") == 0) {
        kb_ui.restoring = name[0] == 'R';
        go(KB_SCR_WORD_COUNT, NULL);
    } else if (strcmp(name, "Settings") == 0) {
        go(KB_SCR_SETTINGS, NULL);
    } else if (strcmp(name, "Reset device") == 0) {
        go(KB_SCR_RESET_PIN, NULL);
    } else {
        go(KB_SCR_HOME, NULL);
    }
    return SW_OK;
}

static uint16_t cancel(void)
{
    enum kb_screen s = kb_ui.screen;

    switch (s) {
    case KB_SCR_SET_PIN:
    case KB_SCR_LOCKED:
    case KB_SCR_HOME:
        return SW_CONDITIONS_NOT_SATISFIED;
    case KB_SCR_CONFIRM_PIN:
        go(KB_SCR_SET_PIN, NULL);
        return SW_OK;
    case KB_SCR_RESET_PIN:
        go(KB_SCR_SETTINGS, NULL);
        return SW_OK;
    default:
        go(KB_SCR_HOME, NULL);
        return s == KB_SCR_CHECK_WORD ? SW_CANCEL_MNEMONIC_CHECK : SW_OK;
    }
}

static int is_pin(const char *f, size_t n)
{
    size_t i;
    if (n < 6 || n > 8) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (f[i] < '0' || f[i] > '9') {
            return 0;
        }
    }
    return 1;
}

static uint16_t pin_attempt(const char *pin, size_t n)
{
    int resetting = kb_ui.screen == KB_SCR_RESET_PIN, left;
    int right = kb_try_pin(pin, n, resetting, &left);

    if (right && !resetting) {
        go(KB_SCR_HOME, NULL);
    } else if (right || left == 0) {
        go(KB_SCR_SET_PIN, "Device was wiped");
    } else {
        go(kb_ui.screen, "Wrong PIN");
    }
    return right ? SW_OK : (uint16_t)(SW_PIN_WRONG_BASE | left);
}

/* The mnemonic of kb_ui.words, words joined by single spaces. */
static void mnemonic(char out[KB_BIP39_MAX_MNEMONIC])
{
    size_t pos = 0;
    int i;
    for (i = 0; i < kb_ui.nwords; i++) {
        const char *w = kb_bip39_words[kb_ui.words[i]];
        size_t wl = strlen(w);
        if (i) {
            out[pos++] = ' ';
        }
        memcpy(out + pos, w, wl);
        pos += wl;
    }
    out[pos] = '\0';
}

static void commit_wallet(void)
{
    char m[KB_BIP39_MAX_MNEMONIC];
    mnemonic(m);
    kb_commit_wallet(m);
    kb_memzero(m, sizeof m);
}

static uint16_t word_count(const char *f, size_t n)
{
    static const char *const counts[] = {"12", "15", "18", "21", "24"};
    uint8_t entropy[32];
    char m[KB_BIP39_MAX_MNEMONIC];
    const char *p;
    int i, count = 0;

    for (i = 0; i < 5; i++) {
        if (n == 2 && memcmp(f, counts[i], 2) == 0) {
            count = 12 + 3 * i;
        }
    }
    if (count == 0) {
        go(KB_SCR_WORD_COUNT, "Choose 12, 15, 18, 21 or 24");
        return SW_COMMAND_DATA_ERROR;
    }
    kb_ui.word_count = count;
    kb_ui.nwords = 0;
    if (kb_ui.restoring) {
        go(KB_SCR_ENTER_WORD, NULL);
        return SW_OK;
    }
    if (!kb_rng_usable()) {
        /* Never a wallet from a stream that every such device would repeat. */
        go(KB_SCR_WORD_COUNT, "Random generator failed");
        return SW_CONDITIONS_NOT_SATISFIED;
    }
    kb_rng_bytes(entropy, (size_t)count * 4 / 3);
    kb_bip39_from_entropy(entropy, (size_t)count * 4 / 3, m, sizeof m);
    for (p = m; kb_ui.nwords < count; kb_ui.nwords++) {
        const char *end = p;
        while (*end && *end != ' ') {
            end++;
        }
        kb_ui.words[kb_ui.nwords] = (uint16_t)kb_bip39_word_index(p, (size_t)(end - p));
        p = *end ? end + 1 : end;
    }
    kb_memzero(entropy, sizeof entropy);
    kb_memzero(m, sizeof m);
    kb_ui.page = 0;
    go(KB_SCR_SHOW_WORDS, NULL);
    return SW_OK;
}

static void draw_checks(void)
{
    int first = kb_rng_byte() % kb_ui.nwords, second = first;
    while (second == first) {
        second = kb_rng_byte() % kb_ui.nwords;
    }
    kb_ui.checks[0] = first;
    kb_ui.checks[1] = second;
    kb_ui.nchecks = 2;
}

static uint16_t check_word(const char *f, size_t n)
{
    const char *want = kb_bip39_words[kb_ui.words[kb_ui.checks[0]]];

    if (strlen(want) != n || memcmp(want, f, n) != 0) {
        go(KB_SCR_CHECK_WORD, "Wrong word");
        return SW_MNEMONIC_CHECK_FAILED;
    }
    kb_ui.checks[0] = kb_ui.checks[1];
    if (--kb_ui.nchecks > 0) {
        go(KB_SCR_CHECK_WORD, NULL);
    } else {
        commit_wallet();
        go(KB_SCR_HOME, NULL);
    }
    return SW_OK;
}

static uint16_t enter_word(const char *f, size_t n)
{
    char m[KB_BIP39_MAX_MNEMONIC];
    int idx = kb_bip39_word_index(f, n), ok;

    if (idx < 0) {
        go(KB_SCR_ENTER_WORD, "Unknown word");
        return SW_COMMAND_DATA_ERROR;
    }
    kb_ui.words[kb_ui.nwords++] = (uint16_t)idx;
    if (kb_ui.nwords < kb_ui.word_count) {
        go(KB_SCR_ENTER_WORD, NULL);
        return SW_OK;
    }
    mnemonic(m);
    ok = kb_bip39_check(m) == KB_BIP39_OK;
    kb_memzero(m, sizeof m);
    if (!ok) {
        go(KB_SCR_RESTORE_FAILED, NULL);
        return SW_COMMAND_DATA_ERROR;
    }
    commit_wallet();
    go(KB_SCR_HOME, NULL);
    return SW_OK;
}

static uint16_t confirm(const char *f, size_t n)
{
    switch (kb_ui.screen) {
    case KB_SCR_SET_PIN:
        if (!is_pin(f, n)) {
            go(KB_SCR_SET_PIN, "PIN must be 6 to 8 digits");
            return SW_COMMAND_DATA_ERROR;
        }
        memcpy(kb_ui.pending_pin, f, n);
        kb_ui.pending_len = n;
        go(KB_SCR_CONFIRM_PIN, NULL);
        return SW_OK;
    case KB_SCR_CONFIRM_PIN:
        if (n != kb_ui.pending_len || memcmp(f, kb_ui.pending_pin, n) != 0) {
            go(KB_SCR_SET_PIN, "PINs did not match");
            return SW_COMMAND_DATA_ERROR;
        }
        kb_set_pin(f, n);
        go(KB_SCR_HOME, NULL);
        return SW_OK;
    case KB_SCR_LOCKED:
    case KB_SCR_RESET_PIN:
        if (!is_pin(f, n)) {
            /* Not a PIN at all (an accidental confirm): refused here, the wrong-PIN count untouched. */
            go(kb_ui.screen, "PIN must be 6 to 8 digits");
            return SW_COMMAND_DATA_ERROR;
        }
        return pin_attempt(f, n);
    case KB_SCR_WORD_COUNT:
        return word_count(f, n);
    case KB_SCR_SHOW_WORDS:
        if ((kb_ui.page + 1) * KB_WORDS_PER_PAGE < kb_ui.nwords) {
            kb_ui.page++; /* the next page of words */
            go(KB_SCR_SHOW_WORDS, NULL);
            return SW_OK;
        }
        draw_checks();
        go(KB_SCR_CHECK_WORD, NULL);
        return SW_OK;
    case KB_SCR_CHECK_WORD:
        return check_word(f, n);
    case KB_SCR_ENTER_WORD:
        return enter_word(f, n);
    case KB_SCR_RESTORE_FAILED:
    case KB_SCR_BIND_CODE:
        go(KB_SCR_HOME, NULL);
        return SW_OK;
    default:
        return SW_CONDITIONS_NOT_SATISFIED;
    }
}

uint16_t kb_ui_press(uint8_t button)
{
    char field[KB_MAX_TYPED];
    size_t n;
    uint16_t sw;

    if (button != 0x01 && button != 0x02) {
        return SW_CONDITIONS_NOT_SATISFIED;
    }
    /* The field is cleared by any press, as the press reads it. */
    n = kb_ui.field_len;
    memcpy(field, kb_ui.field, n);
    kb_ui.field_len = 0;
    sw = button == 0x01 ? confirm(field, n) : cancel();
    kb_memzero(field, sizeof field);
    return sw;
}
