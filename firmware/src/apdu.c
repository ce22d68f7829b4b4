#include "apdu.h"

#include "device.h"
#include "secrets.h"
#include "sw.h"

#define ANY_P1P2 0xFFFFu
#define ANY_LC (-1)

typedef struct {
    uint8_t cla, ins;
    uint16_t p1p2;   /* P1 << 8 | P2, or ANY_P1P2 */
    int16_t lc;      /* exact data length, or ANY_LC */
    uint8_t applet;  /* KB_APPLET_NONE: any */
    uint8_t needs_wallet;
    kb_cmd_fn run;
} kb_cmd;

static const kb_cmd commands[] = {
    {0x00, 0xA4, 0x0400, ANY_LC, KB_APPLET_NONE, 0, kb_cmd_select},
    {0x80, 0xCB, 0x8000, 5, KB_APPLET_NONE, 0, kb_cmd_se_data},
    {0x80, 0xCA, 0x0044, 0, KB_APPLET_NONE, 0, kb_cmd_serial},
    {0x00, 0xD6, 0xFEED, 0, KB_APPLET_NONE, 0, kb_cmd_battery},
    {0xFF, 0xDC, 0xFEED, 0, KB_APPLET_NONE, 0, kb_cmd_lifecycle},
    {0xFF, 0xDB, 0x4654, 0, KB_APPLET_NONE, 0, kb_cmd_get_ble_name},
    {0xFF, 0xDA, 0x4654, ANY_LC, KB_APPLET_NONE, 0, kb_cmd_set_ble_name},
    {0x80, 0x71, 0x0000, 65, KB_APPLET_IMK, 1, kb_cmd_bind_check},
    {0x80, 0x74, 0x0000, 65, KB_APPLET_IMK, 1, kb_cmd_bind_check},
    {0x80, 0x72, 0x0000, 0, KB_APPLET_IMK, 1, kb_cmd_display_bind_code},
    {0x80, 0x73, 0x8000, 113, KB_APPLET_IMK, 1, kb_cmd_identity_verify},
    {0x80, 0x75, 0x8000, 113, KB_APPLET_IMK, 1, kb_cmd_identity_verify},
    {0x80, 0x43, 0x0000, ANY_LC, KB_APPLET_BTC, 1, kb_cmd_public_key},
    {0x80, 0x53, 0x0000, ANY_LC, KB_APPLET_ETH, 1, kb_cmd_public_key},
};

int kb_apdu_parse(const uint8_t *raw, size_t len, kb_apdu *out)
{
    size_t lc;

    if (len < 4) {
        return -1;
    }
    out->cla = raw[0];
    out->ins = raw[1];
    out->p1 = raw[2];
    out->p2 = raw[3];
    out->data = raw + 5;
    out->lc = 0;
    out->le = -1;
    if (len == 4) {
        return 0;
    }
    if (len == 5) {
        out->le = raw[4];
        return 0;
    }
    lc = raw[4];
    if (lc == 0) {
        return -1;
    }
    if (len == 5 + lc) {
        out->lc = lc;
        return 0;
    }
    if (len == 6 + lc) {
        out->lc = lc;
        out->le = raw[len - 1];
        return 0;
    }
    return -1;
}

static size_t with_sw(uint8_t *out, size_t n, uint16_t sw)
{
    out[n] = (uint8_t)(sw >> 8);
    out[n + 1] = (uint8_t)sw;
    return n + 2;
}

/* Checks in the order of docs/protocol.md as the simulator runs them: APDU
 * length, CLA, INS, applet, P1/P2, Lc, wallet, PIN; then the command's data. */
size_t kb_apdu_handle(const uint8_t *raw, size_t len, uint8_t *out, size_t cap)
{
    const kb_cmd *cmd = NULL;
    kb_apdu a;
    size_t i, n = 0;
    uint16_t sw;

    if (kb_apdu_parse(raw, len, &a) != 0) {
        return with_sw(out, 0, SW_APDU_WRONG_LENGTH);
    }
    if (a.cla != 0x00 && a.cla != 0x80 && a.cla != 0xFF) {
        return with_sw(out, 0, SW_CLA_NOT_SUPPORTED);
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (commands[i].cla == a.cla && commands[i].ins == a.ins) {
            cmd = &commands[i];
        }
    }
    if (cmd == NULL || (cmd->applet != KB_APPLET_NONE && kb_dev.selected != cmd->applet)) {
        return with_sw(out, 0, SW_INS_NOT_SUPPORTED);
    }
    if (cmd->p1p2 != ANY_P1P2 && (uint16_t)(a.p1 << 8 | a.p2) != cmd->p1p2) {
        return with_sw(out, 0, SW_INCORRECT_P1P2);
    }
    if (cmd->lc != ANY_LC && a.lc != (size_t)cmd->lc) {
        return with_sw(out, 0, SW_APDU_WRONG_LENGTH);
    }
    if (cmd->needs_wallet) {
        if (!kb_has_wallet()) {
            return with_sw(out, 0, SW_WALLET_NOT_CREATED);
        }
        if (!kb_dev.unlocked) {
            return with_sw(out, 0, SW_PIN_NOT_VERIFIED);
        }
    }
    sw = cmd->run(&a, out, cap - 2, &n);
    return with_sw(out, sw == SW_OK ? n : 0, sw);
}
