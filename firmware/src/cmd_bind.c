/* Binding (docs/protocol.md "Binding"): the SE key, its certificate, bind check,
 * display bind code, identity verify. */
#include <string.h>

#include "aes128.h"
#include "apdu.h"
#include "identity.h"
#include "memzero.h"
#include "secp256k1.h"
#include "secrets.h"
#include "sha1.h"
#include "sha256.h"
#include "storage.h"
#include "sw.h"
#include "ui.h"

#define CERT_LEN 94

static struct {
    int ready;
    uint8_t priv[32];
    uint8_t pub[65];
} se;

/* private key = SHA-256("keybench-se-key" || SE id), re-hashed while not a valid scalar. */
static void se_key(void)
{
    uint8_t m[15 + 16];

    if (se.ready) {
        return;
    }
    memcpy(m, "keybench-se-key", 15);
    memcpy(m + 15, KB_SE_ID, 16);
    kb_sha256(m, sizeof m, se.priv);
    while (!kb_secp256k1_priv_valid(se.priv)) {
        kb_sha256(se.priv, 32, se.priv);
    }
    kb_secp256k1_pubkey(se.priv, se.pub);
    se.ready = 1;
}

/* 7F21 L { 93 10 SE-id, 7F49 46 { B0 41 pub, F0 01 00 } } */
static size_t certificate(uint8_t *out)
{
    static const uint8_t head[] = {0x7F, 0x21, CERT_LEN - 3, 0x93, 0x10};
    static const uint8_t key_tag[] = {0x7F, 0x49, 0x46, 0xB0, 0x41};
    static const uint8_t tail[] = {0xF0, 0x01, 0x00};
    size_t at = 0;

    se_key();
    memcpy(out + at, head, sizeof head);
    at += sizeof head;
    memcpy(out + at, KB_SE_ID, 16);
    at += 16;
    memcpy(out + at, key_tag, sizeof key_tag);
    at += sizeof key_tag;
    memcpy(out + at, se.pub, 65);
    at += 65;
    memcpy(out + at, tail, sizeof tail);
    return at + sizeof tail;
}

/* An uncompressed point on secp256k1 (the library checks the curve equation). */
static int valid_point(const uint8_t pub[65])
{
    uint8_t c[33];
    return pub[0] == 0x04 && kb_secp256k1_compress(pub, c) == 0;
}

static uint8_t slot(const kb_apdu *a)
{
    return (a->ins == 0x74 || a->ins == 0x75) ? KB_KEY_BOUND_PC : KB_KEY_BOUND_APP;
}

uint16_t kb_cmd_bind_check(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    uint8_t bound[255];
    int len;

    if (cap < 1 + CERT_LEN) {
        return SW_CONDITIONS_NOT_SATISFIED;
    }
    if (!valid_point(a->data)) {
        return SW_COMMAND_DATA_ERROR;
    }
    len = kb_storage_get(slot(a), bound, sizeof bound);
    if (len < 0) {
        out[0] = 0x00;
    } else {
        out[0] = (len == 65 && memcmp(bound, a->data, 65) == 0) ? 0x55 : 0xAA;
    }
    *n = 1 + certificate(out + 1);
    return SW_OK;
}

uint16_t kb_cmd_display_bind_code(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    (void)a;
    (void)out;
    (void)cap;
    (void)n;
    kb_ui_show_binding_code();
    return SW_OK;
}

/* Decrypts the proof with the session key and the code's IV and compares it with
 * SHA256(code || appPub || sePub). */
static int proof_matches(const uint8_t app_pub[65], const uint8_t proof[48])
{
    uint8_t x[32], sha1[20], iv[32], salt[32], plain[48], want[32];
    char code[8];
    size_t plain_len = 0, i;
    kb_sha256_ctx c;
    int ok = 0;

    if (!kb_binding_code(code) || kb_secp256k1_ecdh_x(se.priv, app_pub, x) != 0) {
        return 0;
    }
    kb_sha1(x, sizeof x, sha1);
    kb_sha256((const uint8_t *)code, sizeof code, iv);
    kb_sha256((const uint8_t *)"bindingCode", 11, salt);
    for (i = 0; i < 16; i++) {
        iv[i] ^= salt[i];
    }
    if (kb_aes128_cbc_decrypt(sha1, iv, proof, 48, plain) == 0 &&
        kb_pkcs7_unpad(plain, 48, &plain_len) == 0 && plain_len == 32) {
        kb_sha256_init(&c);
        kb_sha256_update(&c, (const uint8_t *)code, sizeof code);
        kb_sha256_update(&c, app_pub, 65);
        kb_sha256_update(&c, se.pub, 65);
        kb_sha256_final(&c, want);
        ok = memcmp(plain, want, 32) == 0;
    }
    kb_memzero(x, sizeof x);
    kb_memzero(sha1, sizeof sha1);
    kb_memzero(plain, sizeof plain);
    return ok;
}

uint16_t kb_cmd_identity_verify(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    const uint8_t *app_pub = a->data, *proof = a->data + 65;

    if (cap < 1) {
        return SW_CONDITIONS_NOT_SATISFIED;
    }
    if (!valid_point(app_pub)) {
        return SW_COMMAND_DATA_ERROR;
    }
    se_key();
    if (!proof_matches(app_pub, proof)) {
        out[0] = 0xA5;
    } else {
        kb_storage_put(slot(a), app_pub, 65);
        out[0] = 0x5A;
    }
    *n = 1;
    return SW_OK;
}
