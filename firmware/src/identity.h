/* What the factory burnt in (simulator/device.py Identity). */
#ifndef KB_IDENTITY_H
#define KB_IDENTITY_H

#include <stdint.h>

/* 19060000000200860001010000000014 */
static const uint8_t KB_SE_ID[16] = {0x19, 0x06, 0x00, 0x00, 0x00, 0x02, 0x00, 0x86,
                                     0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x14};
#define KB_SERIAL_NUMBER "imKey01191200001"
static const uint8_t KB_FIRMWARE_VERSION[2] = {0x15, 0x08};
#define KB_BATTERY 0x64
#define KB_DEFAULT_BLE_NAME "imKeyPro"

#endif
