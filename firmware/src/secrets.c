#include "secrets.h"

#include <string.h>

#include "bip39.h"
#include "device.h"
#include "memzero.h"
#include "rng.h"
#include "sha256.h"
#include "storage.h"

static const char bind_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

static void pin_hash(const char *pin, size_t n, uint8_t out[32])
{
    kb_sha256_ctx c;
    kb_sha256_init(&c);
    kb_sha256_update(&c, (const uint8_t *)"keybench-pin:", 13);
    kb_sha256_update(&c, (const uint8_t *)pin, n);
    kb_sha256_final(&c, out);
}

int kb_has_pin(void)
{
    return kb_storage_has(KB_KEY_PIN_HASH);
}

int kb_has_wallet(void)
{
    return kb_storage_has(KB_KEY_SEED);
}

int kb_pin_fails(void)
{
    uint8_t v;
    return kb_storage_get(KB_KEY_PIN_FAILS, &v, 1) > 0 ? v : 0;
}

void kb_set_pin(const char *pin, size_t n)
{
    uint8_t h[32];
    pin_hash(pin, n, h);
    kb_storage_put(KB_KEY_PIN_HASH, h, sizeof h);
    kb_dev.unlocked = 1;
}

static int pin_matches(const char *pin, size_t n)
{
    uint8_t want[32], stored[32];
    int len = kb_storage_get(KB_KEY_PIN_HASH, stored, sizeof stored);
    int same;

    pin_hash(pin, n, want);
    same = len == 32 && memcmp(want, stored, 32) == 0;
    kb_memzero(want, sizeof want);
    return same;
}

int kb_try_pin(const char *pin, size_t n, int wipe_if_right, int *left)
{
    int fails = kb_pin_fails() + 1;
    uint8_t v = (uint8_t)fails;

    kb_storage_put(KB_KEY_PIN_FAILS, &v, 1);
    if (pin_matches(pin, n)) {
        if (wipe_if_right) {
            kb_wipe();
        } else {
            v = 0;
            kb_storage_put(KB_KEY_PIN_FAILS, &v, 1);
            kb_dev.unlocked = 1;
        }
        *left = KB_MAX_PIN_FAILS;
        return 1;
    }
    if (fails >= KB_MAX_PIN_FAILS) {
        kb_wipe();
        *left = 0;
        return 0;
    }
    *left = KB_MAX_PIN_FAILS - fails;
    return 0;
}

void kb_wipe(void)
{
    kb_storage_wipe();
    kb_dev.unlocked = 0;
}

void kb_commit_wallet(const char *mnemonic)
{
    uint8_t seed[64], raw[8];
    char code[8];
    int i;

    /* The code is stored before the seed: a power cut between the two writes then leaves a stray code and no
     * wallet (the next create or restore overwrites it), never a wallet that no app can bind to. */
    kb_rng_bytes(raw, sizeof raw);
    for (i = 0; i < 8; i++) {
        code[i] = bind_alphabet[raw[i] & 31];
    }
    kb_storage_put(KB_KEY_BIND_CODE, (const uint8_t *)code, sizeof code);
    kb_bip39_seed(mnemonic, NULL, seed);
    kb_storage_put(KB_KEY_SEED, seed, sizeof seed);
    kb_memzero(seed, sizeof seed);
}

int kb_binding_code(char code[8])
{
    return kb_storage_get(KB_KEY_BIND_CODE, (uint8_t *)code, 8) == 8;
}

int kb_wallet_seed(uint8_t seed[64])
{
    return kb_storage_get(KB_KEY_SEED, seed, 64) == 64;
}
