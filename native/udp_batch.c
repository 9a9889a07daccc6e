/*
 * Batched UDP for bt-tui: recvmmsg into one reused buffer, sendmmsg of a run laid out at a fixed
 * stride. Node's dgram makes one system call, one JS callback and one fresh Buffer per datagram;
 * at 16 KiB datagrams that is most of what a download costs beyond its SHA-256 (NOTES, issue 15).
 *
 * It works on a dup of the fd of a socket node:dgram opened and bound (so binding, its errors and
 * control messages stay node's), after node has stopped reading it. Linux only (recvmmsg and
 * sendmmsg); IPv4 and IPv6 sockets (the family is the socket's, read once at open). Where it does
 * not build or load, source/net/native-udp.ts says so and node:dgram is used for everything.
 *
 * JS API (all numbers are plain JS numbers):
 *   open(fd) -> handle                       dups fd
 *   family(handle) -> 4 or 6                 of the socket (an IPv6 one may carry IPv4-mapped)
 *   startReceiving(handle, ring, slotBytes, meta, onBatch)
 *       ring: a Buffer of slots * slotBytes; meta: a Uint32Array of slots * META_WORDS
 *       (length, segment, port, IPv6 scope id, then the source: an IPv4 address as a u32, or
 *       the 16 bytes of an IPv6 one as they lie in memory); onBatch(count) runs once per recvmmsg,
 *       as a callback from the event loop (microtasks run after it, as after a dgram
 *       'message'). A datagram longer than slotBytes arrives with length slotBytes + 1
 *       (truncated). segment > 0: with GRO on, several datagrams of that size (the last may
 *       be shorter) arrived back to back in the slot; 0: one datagram.
 *   sourceName(handle, slot) -> string       the source of a slot of the batch being delivered,
 *       written as node:dgram writes it (uv_ip6_name, `%interface` after a link-local one)
 *   ipv6Address(text) -> Buffer | null       an IPv6 address as node:dgram reads it
 *       (uv_ip6_addr, `%interface` included): 16 bytes and the scope id (u32, host order)
 *   sendBatch(handle, buffer, stride, count, lastLength, ipv4, port, segmented, ipv6)
 *       -> sent or -errno
 *       sends datagram i from buffer[i * stride], stride bytes long (the last
 *       lastLength), to ipv4:port (an IPv4 socket) or ipv6:port (an IPv6 socket: ipv6 as
 *       ipv6Address returns it) without blocking: returns how many the kernel took.
 *       segmented: the route carries datagrams of `stride` whole; they go as segmented sends
 *       (UDP GSO), each one buffer the kernel cuts into the datagrams (as many as fit
 *       MAX_GSO_BYTES, or MAX_UDP_PAYLOAD for larger ones); sendmmsg where the route refuses.
 *   enableGro(handle) -> 0 or -errno         the kernel coalesces what arrives (UDP GRO)
 *   pathMtu(ipv4 or ipv6) -> MTU or -errno   of the route there (nothing is sent)
 *   close(handle)                            stops receiving, closes the dup
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* Datagrams per sendmmsg: a run is at most 64 blocks (a REQUEST's count is capped there). */
#define MAX_SEND_BATCH 64
/* recvmmsg calls per readable event, so a busy socket cannot starve timers and other sockets. */
#define MAX_RECV_ROUNDS 4
/* Segmentation offload (Linux 4.18 and 5.0); defined here for older headers. */
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
/* Bytes of one segmented send: what one 16 KiB DATA datagram carries, so a send puts on the
 * wire, in a socket's buffers and into a switch port's burst what it did before (measured: at
 * 64 KiB a send exceeded the LAN testbed's 32 KiB shaper burst, was cut up there and arrived
 * uncoalesced, with 2-8x the shaper's drops). */
#define MAX_GSO_BYTES 16437
/* Datagrams too large to go twice in MAX_GSO_BYTES (16 KiB blocks, on a route that carries them
 * whole such as loopback) go as many to a segmented send as one UDP datagram's length allows. */
#define MAX_UDP_PAYLOAD 65507
/* Segments of one segmented send (the kernel's UDP_MAX_SEGMENTS is 64 or 128). */
#define MAX_GSO_SEGMENTS 64
/* Room for one UDP_GRO control message (an int) per received datagram. */
#define CONTROL_BYTES 64
/* Words of meta per slot: length, segment, port, scope id, four of source address. */
#define META_WORDS 8
/* Bytes of an IPv6 destination from ipv6Address: the address, then its scope id. */
#define IPV6_DESTINATION_BYTES 20

typedef struct {
  uv_poll_t poll;
  int fd;
  /* AF_INET or AF_INET6: what the socket sends to and receives from. */
  int family;
  int receiving;
  int closed;
  /* The memory goes once both the poll handle is closed and the JS handle is collected. */
  int poll_done;
  int finalized;
  napi_env env;
  napi_ref on_batch;
  napi_ref ring_ref;
  napi_ref meta_ref;
  napi_async_context async_context;
  char *ring;
  size_t slot_bytes;
  uint32_t slots;
  uint32_t *meta;
  struct mmsghdr *msgs;
  struct iovec *iovs;
  /* Large enough for either family's source address. */
  struct sockaddr_in6 *addrs;
  char *controls;
} Socket;

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "udp_batch: " #call " failed");     \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static Socket *socket_of(napi_env env, napi_value value) {
  Socket *sock = NULL;
  if (napi_get_value_external(env, value, (void **)&sock) != napi_ok || sock == NULL) {
    napi_throw_type_error(env, NULL, "udp_batch: not a handle");
    return NULL;
  }
  return sock;
}

static void free_socket(Socket *sock) {
  free(sock->msgs);
  free(sock->iovs);
  free(sock->addrs);
  free(sock->controls);
  free(sock);
}

/* libuv let go of the fd (uv_close took it out of epoll at once; only this callback waits for
 * the loop): the memory can go once the JS handle is collected too. */
static void on_poll_closed(uv_handle_t *handle) {
  Socket *sock = (Socket *)handle->data;
  sock->poll_done = 1;
  if (sock->finalized) free_socket(sock);
}

/* The JS handle is collected. A receiving socket holds its callback, which holds the handle, so
 * this comes after close() for those; one that never received is closed here. */
static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Socket *sock = (Socket *)data;
  sock->finalized = 1;
  if (!sock->closed) {
    sock->closed = 1;
    close(sock->fd);
    sock->fd = -1;
    sock->poll_done = 1;
  }
  if (sock->poll_done) free_socket(sock);
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  int copy = dup(fd);
  if (copy < 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  Socket *sock = calloc(1, sizeof(Socket));
  if (sock == NULL) {
    close(copy);
    napi_throw_error(env, NULL, "udp_batch: out of memory");
    return NULL;
  }
  struct sockaddr_storage bound;
  socklen_t bound_length = sizeof bound;
  memset(&bound, 0, sizeof bound);
  sock->fd = copy;
  sock->family = getsockname(copy, (struct sockaddr *)&bound, &bound_length) == 0 &&
                         bound.ss_family == AF_INET6
                     ? AF_INET6
                     : AF_INET;
  sock->env = env;
  sock->poll.data = sock;
  napi_value handle;
  if (napi_create_external(env, sock, finalize_handle, NULL, &handle) != napi_ok) {
    close(copy);
    free(sock);
    napi_throw_error(env, NULL, "udp_batch: cannot make a handle");
    return NULL;
  }
  return handle;
}

static void deliver(Socket *sock, int count) {
  napi_env env = sock->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv, arg;
  if (napi_get_reference_value(env, sock->on_batch, &callback) == napi_ok &&
      napi_get_global(env, &recv) == napi_ok && napi_create_uint32(env, count, &arg) == napi_ok) {
    napi_status status =
        napi_make_callback(env, sock->async_context, recv, callback, 1, &arg, NULL);
    if (status == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  Socket *sock = (Socket *)poll->data;
  (void)events;
  if (sock->closed) return;
  if (status < 0) {
    /* The fd is no longer pollable (node's socket is going away): stop, or libuv would spin. */
    uv_poll_stop(poll);
    return;
  }
  for (int round = 0; round < MAX_RECV_ROUNDS && !sock->closed; round++) {
    for (uint32_t i = 0; i < sock->slots; i++) {
      sock->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
      sock->msgs[i].msg_hdr.msg_controllen = CONTROL_BYTES;
      sock->msgs[i].msg_hdr.msg_flags = 0;
    }
    int got = recvmmsg(sock->fd, sock->msgs, sock->slots, MSG_DONTWAIT, NULL);
    /* EAGAIN: nothing more to read (an unconnected socket without IP_RECVERR reports no errors) */
    if (got <= 0) return;
    for (int i = 0; i < got; i++) {
      uint32_t length = sock->msgs[i].msg_len;
      if (sock->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) length = (uint32_t)sock->slot_bytes + 1;
      /* Coalesced by GRO: several datagrams of `segment` bytes each (the last may be shorter). */
      uint32_t segment = 0;
      struct msghdr *header = &sock->msgs[i].msg_hdr;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR(header, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int size;
          memcpy(&size, CMSG_DATA(c), sizeof size);
          if (size > 0) segment = (uint32_t)size;
        }
      }
      uint32_t *meta = sock->meta + (size_t)i * META_WORDS;
      meta[0] = length;
      meta[1] = segment;
      if (sock->family == AF_INET6) {
        struct sockaddr_in6 *from = &sock->addrs[i];
        meta[2] = ntohs(from->sin6_port);
        meta[3] = from->sin6_scope_id;
        memcpy(meta + 4, &from->sin6_addr, 16);
      } else {
        struct sockaddr_in *from = (struct sockaddr_in *)&sock->addrs[i];
        meta[2] = ntohs(from->sin_port);
        meta[3] = 0;
        meta[4] = ntohl(from->sin_addr.s_addr);
      }
    }
    deliver(sock, got);
    if ((uint32_t)got < sock->slots) return;
  }
}

static napi_value start_receiving(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *sock = socket_of(env, argv[0]);
  if (sock == NULL) return NULL;
  if (sock->receiving || sock->closed) {
    napi_throw_error(env, NULL, "udp_batch: already receiving or closed");
    return NULL;
  }
  void *ring;
  size_t ring_bytes;
  uint32_t slot_bytes;
  CHECK(napi_get_buffer_info(env, argv[1], &ring, &ring_bytes));
  CHECK(napi_get_value_uint32(env, argv[2], &slot_bytes));
  napi_typedarray_type meta_type;
  size_t meta_length;
  void *meta;
  CHECK(napi_get_typedarray_info(env, argv[3], &meta_type, &meta_length, &meta, NULL, NULL));
  uint32_t slots = slot_bytes == 0 ? 0 : (uint32_t)(ring_bytes / slot_bytes);
  if (meta_type != napi_uint32_array || slots == 0 || meta_length < (size_t)slots * META_WORDS) {
    napi_throw_range_error(env, NULL, "udp_batch: ring and meta do not match");
    return NULL;
  }
  sock->msgs = calloc(slots, sizeof(struct mmsghdr));
  sock->iovs = calloc(slots, sizeof(struct iovec));
  sock->addrs = calloc(slots, sizeof(struct sockaddr_in6));
  sock->controls = calloc(slots, CONTROL_BYTES);
  if (!sock->msgs || !sock->iovs || !sock->addrs || !sock->controls) {
    napi_throw_error(env, NULL, "udp_batch: out of memory");
    return NULL;
  }
  sock->ring = ring;
  sock->slot_bytes = slot_bytes;
  sock->slots = slots;
  sock->meta = meta;
  for (uint32_t i = 0; i < slots; i++) {
    sock->iovs[i].iov_base = sock->ring + (size_t)i * slot_bytes;
    sock->iovs[i].iov_len = slot_bytes; /* a longer datagram comes with MSG_TRUNC */
    sock->msgs[i].msg_hdr.msg_iov = &sock->iovs[i];
    sock->msgs[i].msg_hdr.msg_iovlen = 1;
    sock->msgs[i].msg_hdr.msg_name = &sock->addrs[i];
    sock->msgs[i].msg_hdr.msg_control = sock->controls + (size_t)i * CONTROL_BYTES;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &sock->poll, sock->fd) != 0) {
    napi_throw_error(env, NULL, "udp_batch: cannot poll the socket");
    return NULL;
  }
  /* From here the loop knows the poll handle: close() must uv_close it before the memory goes,
   * even if what follows fails (deleting a reference never made is harmless). */
  sock->receiving = 1;
  CHECK(napi_create_reference(env, argv[1], 1, &sock->ring_ref));
  CHECK(napi_create_reference(env, argv[3], 1, &sock->meta_ref));
  CHECK(napi_create_reference(env, argv[4], 1, &sock->on_batch));
  napi_value resource_name;
  CHECK(napi_create_string_utf8(env, "BtTuiUdpBatch", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(napi_async_init(env, NULL, resource_name, &sock->async_context));
  if (uv_poll_start(&sock->poll, UV_READABLE, on_readable) != 0) {
    napi_throw_error(env, NULL, "udp_batch: cannot poll the socket");
    return NULL;
  }
  return NULL;
}

/*
 * Sends a run as segmented datagrams (UDP GSO: the kernel cuts each into datagrams of `stride`
 * bytes, and the stack below the socket, loopback, a veth, bridge or a NIC with segmentation
 * offload, carries one buffer instead of each datagram), all of them in one sendmmsg. Each takes
 * as many datagrams as fit MAX_GSO_BYTES, or for datagrams too large to go twice in that, as fit
 * MAX_UDP_PAYLOAD. Returns datagrams sent; 0 when the socket buffer is full; -errno when the
 * kernel refuses the first.
 */
static int send_segmented(Socket *sock, char *data, uint32_t stride, uint32_t count,
                          uint32_t last_length, struct sockaddr *to, socklen_t to_length) {
  uint32_t budget = stride * 2 <= MAX_GSO_BYTES ? MAX_GSO_BYTES : MAX_UDP_PAYLOAD;
  uint32_t per_send = budget / stride;
  if (per_send > MAX_GSO_SEGMENTS) per_send = MAX_GSO_SEGMENTS;
  struct mmsghdr msgs[MAX_SEND_BATCH];
  struct iovec iovs[MAX_SEND_BATCH];
  union {
    char bytes[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } controls[MAX_SEND_BATCH];
  uint32_t segments[MAX_SEND_BATCH];
  uint16_t size = (uint16_t)stride;
  uint32_t messages = 0;
  for (uint32_t first = 0; first < count; messages++) {
    uint32_t chunk = count - first < per_send ? count - first : per_send;
    int last = first + chunk == count;
    struct msghdr *header = &msgs[messages].msg_hdr;
    memset(header, 0, sizeof *header);
    iovs[messages].iov_base = data + (size_t)first * stride;
    iovs[messages].iov_len = (size_t)(chunk - 1) * stride + (last ? last_length : stride);
    header->msg_name = to;
    header->msg_namelen = to_length;
    header->msg_iov = &iovs[messages];
    header->msg_iovlen = 1;
    if (chunk > 1) {
      memset(&controls[messages], 0, sizeof controls[messages]);
      header->msg_control = controls[messages].bytes;
      header->msg_controllen = sizeof controls[messages].bytes;
      struct cmsghdr *c = CMSG_FIRSTHDR(header);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      memcpy(CMSG_DATA(c), &size, sizeof size);
    }
    segments[messages] = chunk;
    first += chunk;
  }
  int done = sendmmsg(sock->fd, msgs, messages, MSG_DONTWAIT);
  if (done < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  uint32_t sent = 0;
  for (int i = 0; i < done; i++) sent += segments[i];
  return (int)sent;
}

/* A destination of either family, as sendmmsg and connect take it. */
typedef union {
  struct sockaddr any;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} Destination;

/* An IPv4 address from a u32, or an IPv6 one from ipv6Address's bytes; false (with an exception
 * pending) when `value` is neither. */
static bool read_destination(napi_env env, napi_value value, uint32_t port, Destination *to,
                             socklen_t *to_length) {
  memset(to, 0, sizeof *to);
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_number) {
    uint32_t ipv4;
    if (napi_get_value_uint32(env, value, &ipv4) != napi_ok) return false;
    to->v4.sin_family = AF_INET;
    to->v4.sin_port = htons((uint16_t)port);
    to->v4.sin_addr.s_addr = htonl(ipv4);
    *to_length = sizeof to->v4;
    return true;
  }
  bool is_buffer = false;
  void *bytes = NULL;
  size_t length = 0;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, value, &bytes, &length) != napi_ok ||
      length != IPV6_DESTINATION_BYTES) {
    napi_throw_type_error(env, NULL, "udp_batch: not an address (a u32 or ipv6Address's bytes)");
    return false;
  }
  to->v6.sin6_family = AF_INET6;
  to->v6.sin6_port = htons((uint16_t)port);
  memcpy(&to->v6.sin6_addr, bytes, 16);
  memcpy(&to->v6.sin6_scope_id, (char *)bytes + 16, sizeof(uint32_t));
  *to_length = sizeof to->v6;
  return true;
}

static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *sock = socket_of(env, argv[0]);
  if (sock == NULL) return NULL;
  void *data;
  size_t data_bytes;
  uint32_t stride, count, last_length, port;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &data_bytes));
  CHECK(napi_get_value_uint32(env, argv[2], &stride));
  CHECK(napi_get_value_uint32(env, argv[3], &count));
  CHECK(napi_get_value_uint32(env, argv[4], &last_length));
  CHECK(napi_get_value_uint32(env, argv[6], &port));
  bool segmented = false;
  if (argc > 7) CHECK(napi_get_value_bool(env, argv[7], &segmented));
  napi_value result;
  if (count == 0 || count > MAX_SEND_BATCH || port > 65535 || last_length > stride ||
      (uint64_t)(count - 1) * stride + last_length > data_bytes) {
    napi_throw_range_error(env, NULL, "udp_batch: the run does not lie in the buffer");
    return NULL;
  }
  /* The socket's family decides which address is used: an IPv6 socket sends to IPv6 ones. */
  Destination to;
  socklen_t to_length;
  if (sock->family == AF_INET6 && argc < 9) {
    napi_throw_type_error(env, NULL, "udp_batch: an IPv6 socket needs an IPv6 address");
    return NULL;
  }
  if (!read_destination(env, argv[sock->family == AF_INET6 ? 8 : 5], port, &to, &to_length))
    return NULL;
  if (to.any.sa_family != sock->family) {
    napi_throw_type_error(env, NULL, "udp_batch: the address is not of the socket's family");
    return NULL;
  }
  if (sock->closed) {
    CHECK(napi_create_int32(env, -EBADF, &result));
    return result;
  }
  if (segmented && count > 1 && last_length > 0 && stride * 2 <= MAX_UDP_PAYLOAD) {
    int sent = send_segmented(sock, data, stride, count, last_length, &to.any, to_length);
    /* Refused (a path whose MTU is under the stride, no checksum offload): one by one below. */
    if (sent >= 0 || (sent != -EINVAL && sent != -EIO && sent != -EMSGSIZE && sent != -ENOPROTOOPT)) {
      CHECK(napi_create_int32(env, sent, &result));
      return result;
    }
  }
  struct mmsghdr msgs[MAX_SEND_BATCH];
  struct iovec iovs[MAX_SEND_BATCH];
  memset(msgs, 0, sizeof(struct mmsghdr) * count);
  for (uint32_t i = 0; i < count; i++) {
    iovs[i].iov_base = (char *)data + (size_t)i * stride;
    iovs[i].iov_len = i + 1 == count ? last_length : stride;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = to_length;
  }
  int sent = sendmmsg(sock->fd, msgs, count, MSG_DONTWAIT);
  if (sent < 0) sent = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  CHECK(napi_create_int32(env, sent, &result));
  return result;
}

/* The MTU of the route to an address (IP_MTU or IPV6_MTU of a connected probe socket; no
 * datagram is sent): the largest packet that leaves for it unfragmented. The MTU, or -errno. */
static napi_value path_mtu(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Destination to;
  socklen_t to_length;
  if (argc < 1 || !read_destination(env, argv[0], 9, &to, &to_length)) return NULL;
  int outcome;
  int fd = socket(to.any.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    outcome = -errno;
  } else {
    int mtu = 0;
    socklen_t length = sizeof mtu;
    int level = to.any.sa_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    int option = to.any.sa_family == AF_INET6 ? IPV6_MTU : IP_MTU;
    if (connect(fd, &to.any, to_length) != 0 || getsockopt(fd, level, option, &mtu, &length) != 0)
      outcome = -errno;
    else
      outcome = mtu;
    close(fd);
  }
  napi_value result;
  CHECK(napi_create_int32(env, outcome, &result));
  return result;
}

/* The socket's family: 4 or 6. */
static napi_value family(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *sock = socket_of(env, argv[0]);
  if (sock == NULL) return NULL;
  napi_value result;
  CHECK(napi_create_uint32(env, sock->family == AF_INET6 ? 6 : 4, &result));
  return result;
}

/* The source of slot `slot` of the batch being delivered, written as node:dgram writes a
 * sender's address (src/tcp_wrap.cc AddressToJS): uv_ip6_name, and `%` with the interface's
 * name after a link-local address that has a scope. Only valid during onBatch. */
static napi_value source_name(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t slot;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *sock = socket_of(env, argv[0]);
  if (sock == NULL) return NULL;
  CHECK(napi_get_value_uint32(env, argv[1], &slot));
  if (!sock->receiving || slot >= sock->slots) {
    napi_throw_range_error(env, NULL, "udp_batch: no such slot");
    return NULL;
  }
  char name[INET6_ADDRSTRLEN + 1 + IF_NAMESIZE + 16];
  memset(name, 0, sizeof name);
  if (sock->family == AF_INET6) {
    struct sockaddr_in6 *from = &sock->addrs[slot];
    uv_ip6_name(from, name, INET6_ADDRSTRLEN);
    if (IN6_IS_ADDR_LINKLOCAL(&from->sin6_addr) && from->sin6_scope_id > 0) {
      size_t at = strlen(name);
      size_t room = sizeof name - at - 1;
      name[at] = '%';
      if (uv_if_indextoname(from->sin6_scope_id, name + at + 1, &room) != 0)
        snprintf(name + at + 1, sizeof name - at - 1, "%u", from->sin6_scope_id);
    }
  } else {
    uv_ip4_name((struct sockaddr_in *)&sock->addrs[slot], name, sizeof name);
  }
  napi_value result;
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result));
  return result;
}

/* An IPv6 address as node:dgram reads one it sends to (uv_ip6_addr: `%interface` sets the scope
 * id, an unknown interface 0): a Buffer of its 16 bytes and the scope id, or null. */
static napi_value ipv6_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char text[INET6_ADDRSTRLEN + 1 + IF_NAMESIZE + 16];
  size_t length = 0;
  napi_value result;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], text, sizeof text, &length) != napi_ok ||
      length + 1 >= sizeof text) {
    CHECK(napi_get_null(env, &result));
    return result;
  }
  struct sockaddr_in6 parsed;
  memset(&parsed, 0, sizeof parsed);
  if (uv_ip6_addr(text, 0, &parsed) != 0) {
    CHECK(napi_get_null(env, &result));
    return result;
  }
  void *bytes;
  CHECK(napi_create_buffer(env, IPV6_DESTINATION_BYTES, &bytes, &result));
  memcpy(bytes, &parsed.sin6_addr, 16);
  memcpy((char *)bytes + 16, &parsed.sin6_scope_id, sizeof(uint32_t));
  return result;
}

/* Asks the kernel to coalesce arriving datagrams of one flow (UDP GRO): 0, or -errno. */
static napi_value enable_gro(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *sock = socket_of(env, argv[0]);
  if (sock == NULL) return NULL;
  int on = 1;
  int outcome = sock->closed ? -EBADF : 0;
  if (outcome == 0 && setsockopt(sock->fd, SOL_UDP, UDP_GRO, &on, sizeof on) != 0) outcome = -errno;
  napi_value result;
  CHECK(napi_create_int32(env, outcome, &result));
  return result;
}

static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Socket *sock = socket_of(env, argv[0]);
  if (sock == NULL || sock->closed) return NULL;
  sock->closed = 1;
  if (sock->receiving) {
    uv_poll_stop(&sock->poll);
    napi_delete_reference(env, sock->on_batch);
    napi_delete_reference(env, sock->ring_ref);
    napi_delete_reference(env, sock->meta_ref);
    napi_async_destroy(env, sock->async_context);
    uv_close((uv_handle_t *)&sock->poll, on_poll_closed);
  } else {
    sock->poll_done = 1;
  }
  /* At once, after uv_close (which removed it from epoll): node reports its socket closed on
   * the next tick, and the port must be free by then. */
  close(sock->fd);
  sock->fd = -1;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"startReceiving", NULL, start_receiving, NULL, NULL, NULL, napi_default, NULL},
      {"sendBatch", NULL, send_batch, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
      {"enableGro", NULL, enable_gro, NULL, NULL, NULL, napi_default, NULL},
      {"pathMtu", NULL, path_mtu, NULL, NULL, NULL, napi_default, NULL},
      {"family", NULL, family, NULL, NULL, NULL, napi_default, NULL},
      {"sourceName", NULL, source_name, NULL, NULL, NULL, napi_default, NULL},
      {"ipv6Address", NULL, ipv6_address, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
