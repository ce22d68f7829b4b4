/* host board "UART": one TCP client at a time; a new client starts a fresh
 * frame decoder. Also the clock and reboot. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "hal.h"

static int listener = -1, client = -1;
static struct timespec start;
static uint8_t inbuf[4096];
static size_t in_len, in_pos;

void hal_init(void)
{
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &start);
}

uint32_t hal_millis(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint32_t)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
}

void hal_reboot(void)
{
    exit(3);
}

int host_tcp_listen(const char *host, int port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int one = 1;

    listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) {
        return -1;
    }
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
        bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
        return -1;
    }
    return ntohs(addr.sin_port);
}

static void drop_client(void)
{
    if (client >= 0) {
        close(client);
        client = -1;
    }
    in_len = in_pos = 0;
}

int hal_uart_read(uint8_t *byte, uint32_t timeout_ms)
{
    struct pollfd p;
    ssize_t n;

    if (in_pos < in_len) {
        *byte = inbuf[in_pos++];
        return 1;
    }
    p.fd = client >= 0 ? client : listener;
    p.events = POLLIN;
    if (poll(&p, 1, (int)timeout_ms) <= 0) {
        return 0;
    }
    if (client < 0) {
        int one = 1;
        client = accept(listener, NULL, NULL);
        if (client >= 0) {
            setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            kb_serve_link_reset();
        }
        return 0;
    }
    n = recv(client, inbuf, sizeof inbuf, 0);
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            return 0;
        }
        drop_client();
        kb_serve_link_reset();
        return 0;
    }
    in_len = (size_t)n;
    in_pos = 1;
    *byte = inbuf[0];
    return 1;
}

void hal_uart_write(const uint8_t *data, size_t n)
{
    while (n && client >= 0) {
        ssize_t w = send(client, data, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) {
                continue;
            }
            drop_client();
            return;
        }
        data += w;
        n -= (size_t)w;
    }
}
