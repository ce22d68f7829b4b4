/* Device-management commands: select, SE data, serial, battery, lifecycle, BLE name. */
#include <string.h>

#include "apdu.h"
#include "device.h"
#include "identity.h"
#include "storage.h"
#include "sw.h"
#include "ui.h"

static const struct {
    uint8_t applet;
    uint8_t len;
    uint8_t aid[11];
} aids[] = {
    {KB_APPLET_IMK, 5, {0x69, 0x5F, 0x69, 0x6D, 0x6B}},
    {KB_APPLET_BTC, 5, {0x69, 0x5F, 0x62, 0x74, 0x63}},
    {KB_APPLET_ETH, 5, {0x69, 0x5F, 0x65, 0x74, 0x68}},
    {KB_APPLET_BOOT, 11, {0xD0, 0x42, 0x6F, 0x6F, 0x74, 0x6C, 0x6F, 0x61, 0x64, 0x65, 0x72}},
};

static const uint8_t seid_tag[5] = {0xDF, 0xFF, 0x02, 0x81, 0x01};
static const uint8_t version_tag[5] = {0xDF, 0xFF, 0x02, 0x80, 0x03};

static uint16_t give(uint8_t *out, size_t cap, size_t *n, const void *d, size_t len)
{
    if (len > cap) {
        len = cap;
    }
    memcpy(out, d, len);
    *n = len;
    return SW_OK;
}

uint16_t kb_cmd_select(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    size_t i;
    (void)out;
    (void)cap;
    (void)n;
    for (i = 0; i < sizeof aids / sizeof aids[0]; i++) {
        if (a->lc == aids[i].len && memcmp(a->data, aids[i].aid, a->lc) == 0) {
            kb_dev.selected = aids[i].applet;
            return SW_OK;
        }
    }
    return SW_APPLET_NOT_EXIST;
}

uint16_t kb_cmd_se_data(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    if (memcmp(a->data, seid_tag, sizeof seid_tag) == 0) {
        return give(out, cap, n, KB_SE_ID, sizeof KB_SE_ID);
    }
    if (memcmp(a->data, version_tag, sizeof version_tag) == 0) {
        return give(out, cap, n, KB_FIRMWARE_VERSION, sizeof KB_FIRMWARE_VERSION);
    }
    return SW_COMMAND_DATA_ERROR;
}

uint16_t kb_cmd_serial(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    (void)a;
    return give(out, cap, n, KB_SERIAL_NUMBER, sizeof KB_SERIAL_NUMBER - 1);
}

uint16_t kb_cmd_battery(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    static const uint8_t battery = KB_BATTERY;
    (void)a;
    return give(out, cap, n, &battery, 1);
}

uint16_t kb_cmd_lifecycle(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    uint8_t lc = kb_ui_lifecycle();
    (void)a;
    return give(out, cap, n, &lc, 1);
}

uint16_t kb_cmd_get_ble_name(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    uint8_t name[255];
    int len = kb_storage_get(KB_KEY_BLE_NAME, name, sizeof name);
    (void)a;
    if (len <= 0) {
        return give(out, cap, n, KB_DEFAULT_BLE_NAME, sizeof KB_DEFAULT_BLE_NAME - 1);
    }
    return give(out, cap, n, name, (size_t)len);
}

uint16_t kb_cmd_set_ble_name(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    size_t i;
    (void)out;
    (void)cap;
    (void)n;
    if (a->lc < 1 || a->lc > 12) {
        return SW_COMMAND_DATA_ERROR;
    }
    for (i = 0; i < a->lc; i++) {
        uint8_t c = a->data[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            return SW_COMMAND_DATA_ERROR;
        }
    }
    kb_storage_put(KB_KEY_BLE_NAME, a->data, a->lc);
    return SW_OK;
}
