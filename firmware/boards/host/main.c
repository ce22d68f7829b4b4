/* host board: the firmware core as a Linux program serving the framed protocol
 * on TCP, one client at a time (like `python -m keybench.simulator serve`), with the
 * storage area in a file. For fast debugging and tests.
 *   keybench-device --tcp 127.0.0.1:PORT --storage PATH [--seed N] [--idle-timeout SECONDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "hal.h"

int host_storage_open(const char *path);  /* storage_file.c */
int host_tcp_listen(const char *host, int port); /* tcp_uart.c; returns the bound port */
void host_tcp_idle_timeout(uint32_t seconds);    /* tcp_uart.c; default 120 */

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s --tcp HOST:PORT --storage PATH [--seed N] [--idle-timeout SECONDS]\n"
                    "  --idle-timeout: close a client that sends nothing for this long (default 120, >= 1)\n",
            argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *tcp = NULL, *storage = NULL;
    unsigned long long seed = 0;
    char host[256];
    const char *colon;
    int i, port;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tcp") == 0 && i + 1 < argc) {
            tcp = argv[++i];
        } else if (strcmp(argv[i], "--storage") == 0 && i + 1 < argc) {
            storage = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--idle-timeout") == 0 && i + 1 < argc) {
            char *end;
            unsigned long idle = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || idle < 1 || idle > 86400) {
                fprintf(stderr, "--idle-timeout: %s is not a whole number of seconds from 1 to 86400\n", argv[i]);
                exit(2);
            }
            host_tcp_idle_timeout((uint32_t)idle);
        } else {
            usage(argv[0]);
        }
    }
    if (tcp == NULL || storage == NULL) {
        usage(argv[0]);
    }
    colon = strrchr(tcp, ':');
    if (colon == NULL || colon == tcp || (size_t)(colon - tcp) >= sizeof host) {
        usage(argv[0]);
    }
    memcpy(host, tcp, (size_t)(colon - tcp));
    host[colon - tcp] = '\0';
    port = atoi(colon + 1);
    if (host_storage_open(storage) != 0) {
        fprintf(stderr, "cannot open storage file %s\n", storage);
        return 2;
    }
    hal_init();
    port = host_tcp_listen(host, port);
    if (port < 0) {
        fprintf(stderr, "cannot serve on %s\n", tcp);
        return 2;
    }
    printf("listening on %s:%d\n", host, port);
    fflush(stdout);
    kb_device_power_up(seed);
    kb_serve();
}
