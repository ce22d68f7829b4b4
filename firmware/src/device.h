/* The device as a whole: power state, boot, and the frame-level entry point
 * (simulator/device.py is the reference). */
#ifndef KB_DEVICE_H
#define KB_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#define KB_APPLET_NONE 0
#define KB_APPLET_IMK 1
#define KB_APPLET_BTC 2
#define KB_APPLET_ETH 3
#define KB_APPLET_BOOT 4

#define KB_MAX_PIN_FAILS 5

/* RAM state; all of it is lost at a power cut and rebuilt by a boot. */
typedef struct {
    int off;          /* a power cut fired; only debug POWER_ON is served */
    int unlocked;     /* the PIN was entered (or set) since power-on */
    int selected;     /* KB_APPLET_* */
} kb_device_state;

extern kb_device_state kb_dev;

/* First power-up: remembers the default RNG seed (0 on the boards) and boots. */
void kb_device_power_up(uint64_t default_seed);

/* Mount storage (format, finish a pending wipe), clear RAM state, reseed the RNG,
 * show SET_PIN or LOCKED. */
void kb_device_boot(void);

/* Answers one frame from the host (host link, debug link or error channel). */
void kb_device_handle(uint8_t channel, uint8_t seq, const uint8_t *payload, size_t len);

/* Called from a storage write that an armed power cut interrupted: the device
 * goes off and the request being handled gets error frame 10. */
void kb_power_cut(uint32_t write, uint32_t done, uint32_t length) __attribute__((noreturn));

/* Debug link: answers one debug request, writing SW || data into out. Returns the
 * answer length, or -1 with an error message for a malformed message (error 05). */
int kb_debug_handle(const uint8_t *payload, size_t len, uint8_t *out, size_t cap,
                    char *err, size_t errcap);

/* Host link: answers one APDU with data || SW into out; returns the length. */
size_t kb_apdu_handle(const uint8_t *apdu, size_t len, uint8_t *out, size_t cap);

/* The serve loop: reads frames from the UART forever. */
void kb_serve(void) __attribute__((noreturn));
/* The byte stream was reconnected (host build): drop any partial frame. */
void kb_serve_link_reset(void);

#endif
