/* host board "UART": one TCP client at a time; a new client starts a fresh
 * frame decoder. A client that connects while another is served gets error
 * frame 12 (busy) and is closed; a client that sends nothing for the idle
 * timeout is closed, so it never blocks the next one. Also the clock and reboot. */
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
#include "frame.h"
#include "hal.h"

static int listener = -1, client = -1;
static int out_fd = -1;           /* where hal_uart_write sends: the client, or a client being refused */
static uint32_t idle_ms = 120000; /* --idle-timeout */
static uint32_t last_rx;          /* hal_millis() of the client's last byte (or of its connect) */
static struct timespec start;
static uint8_t inbuf[4096];
static uint8_t inbuf_discard[4096];
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

void host_tcp_idle_timeout(uint32_t seconds)
{
    idle_ms = seconds * 1000u;
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
    out_fd = -1;
    in_len = in_pos = 0;
    kb_serve_link_reset();
}

static int accept_one(void)
{
    int one = 1, fd = accept(listener, NULL, NULL);
    if (fd >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

/* Another host while one is served: one error frame, then closed. */
static void refuse_busy(void)
{
    int fd = accept_one();
    if (fd < 0) {
        return;
    }
    out_fd = fd;
    kb_frame_send_error(KB_ERR_BUSY, 0, "another host is connected; try again when it leaves");
    out_fd = client;
    /* FIN after the frame, and read what the refused host already sent, so that close() does not turn into
     * a reset that could destroy the busy frame before the host reads it. */
    shutdown(fd, SHUT_WR);
    while (recv(fd, inbuf_discard, sizeof inbuf_discard, MSG_DONTWAIT) > 0) {
    }
    close(fd);
}

int hal_uart_read(uint8_t *byte, uint32_t timeout_ms)
{
    struct pollfd p[2];
    ssize_t n;
    uint32_t idle;

    if (in_pos < in_len) {
        *byte = inbuf[in_pos++];
        return 1;
    }
    if (client >= 0) {
        idle = hal_millis() - last_rx;
        if (idle >= idle_ms) {
            drop_client(); /* an idle client must not keep the device from the next host */
            return 0;
        }
        if (timeout_ms > idle_ms - idle) {
            timeout_ms = idle_ms - idle;
        }
    }
    p[0].fd = client >= 0 ? client : listener;
    p[0].events = POLLIN;
    p[0].revents = 0;
    p[1].fd = listener;
    p[1].events = POLLIN;
    p[1].revents = 0;
    if (poll(p, client >= 0 ? 2 : 1, (int)timeout_ms) <= 0) {
        return 0;
    }
    if (client < 0) {
        client = out_fd = accept_one();
        last_rx = hal_millis();
        kb_serve_link_reset();
        return 0;
    }
    if (p[1].revents & POLLIN) {
        refuse_busy();
    }
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        return 0;
    }
    n = recv(client, inbuf, sizeof inbuf, 0);
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            return 0;
        }
        drop_client();
        return 0;
    }
    last_rx = hal_millis();
    in_len = (size_t)n;
    in_pos = 1;
    *byte = inbuf[0];
    return 1;
}

void hal_uart_write(const uint8_t *data, size_t n)
{
    while (n && out_fd >= 0) {
        ssize_t w = send(out_fd, data, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (out_fd == client) {
                drop_client();
            }
            return;
        }
        data += w;
        n -= (size_t)w;
    }
}
