/*
 * CRC-32 (IEEE, as zlib's crc32) by carry-less multiplication, for bt-tui's DATA checksums.
 *
 * A seeder checksums every block the first time it serves it; zlib's table-driven crc32, which
 * is what node:zlib gives, ran at 3.5-4.7 GiB/s on the project's machine: 0.21-0.28 core-s per
 * GiB served, a fifth of a seeder's whole budget (issue 15). Folding 64 bytes per step with
 * PCLMULQDQ (the method of Intel's "Fast CRC Computation for Generic Polynomials Using
 * PCLMULQDQ", also in Linux and Chromium's zlib) runs many times faster.
 *
 * Where the CPU lacks PCLMULQDQ and SSE4.1, `accelerated` is false and the JS side keeps zlib.
 *
 * JS API:
 *   accelerated                               true when this CPU runs the folding path
 *   crc32(data, start, end, initial) -> u32   CRC-32 of data[start..end) continuing from
 *                                             `initial` (a finished CRC, as zlib takes it);
 *                                             data is any TypedArray or Buffer
 */
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_CLMUL_PATH 1
#endif

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "crc32_clmul: N-API call failed: " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

/* The reflected IEEE polynomial's byte table, for short inputs and the last < 16 bytes. */
static uint32_t byte_table[256];
static int use_clmul;

static void make_byte_table(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    byte_table[n] = c;
  }
}

/* On the raw register (not inverted). */
static uint32_t crc_bytes(uint32_t c, const uint8_t *p, size_t n) {
  while (n--) c = byte_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#ifdef HAVE_CLMUL_PATH
/*
 * Folds n bytes (n >= 64, a multiple of 16) into the raw register c. The constants are
 * x^k mod P for the bit-reflected polynomial, each shifted for reflected operands:
 * fold by 512 bits (k = 4*128+32, 4*128-32), by 128 bits (k = 128+32, 128-32), 64 -> 32
 * (k = 64), and Barrett's mu and P for the last 64 -> 32 bits.
 */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc_fold(uint32_t c, const uint8_t *p,
                                                                   size_t n) {
  const __m128i fold_512 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
  const __m128i fold_128 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
  const __m128i fold_64 = _mm_set_epi64x(0, 0x163cd6124);
  const __m128i barrett = _mm_set_epi64x(0x1f7011641, 0x1db710641);
  const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);

  __m128i x0 = _mm_loadu_si128((const __m128i *)p);
  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
  x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)c));
  p += 64;
  n -= 64;

/* x = x.low * k.low ^ x.high * k.high ^ next: x carried `k`'s distance forward, then added. */
#define FOLD(x, k, next)                                                 \
  do {                                                                   \
    __m128i by_high = _mm_clmulepi64_si128((x), (k), 0x11);              \
    __m128i by_low = _mm_clmulepi64_si128((x), (k), 0x00);               \
    (x) = _mm_xor_si128(_mm_xor_si128(by_low, by_high), (next));         \
  } while (0)

  while (n >= 64) {
    FOLD(x0, fold_512, _mm_loadu_si128((const __m128i *)p));
    FOLD(x1, fold_512, _mm_loadu_si128((const __m128i *)(p + 16)));
    FOLD(x2, fold_512, _mm_loadu_si128((const __m128i *)(p + 32)));
    FOLD(x3, fold_512, _mm_loadu_si128((const __m128i *)(p + 48)));
    p += 64;
    n -= 64;
  }
  FOLD(x0, fold_128, x1);
  FOLD(x0, fold_128, x2);
  FOLD(x0, fold_128, x3);
  while (n >= 16) {
    FOLD(x0, fold_128, _mm_loadu_si128((const __m128i *)p));
    p += 16;
    n -= 16;
  }
#undef FOLD

  /* 128 -> 64 bits: the low half times x^(128-32), into the high half (adds 32 zero bits). */
  x0 = _mm_xor_si128(_mm_srli_si128(x0, 8), _mm_clmulepi64_si128(x0, fold_128, 0x10));
  /* 96 -> 64 bits. */
  __m128i low = _mm_and_si128(x0, low32);
  x0 = _mm_xor_si128(_mm_srli_si128(x0, 4), _mm_clmulepi64_si128(low, fold_64, 0x00));
  /* Barrett reduction, 64 -> 32 bits. */
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x0, low32), barrett, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), barrett, 0x00);
  return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x0, t), 1);
}
#endif

static uint32_t crc32_of(uint32_t initial, const uint8_t *p, size_t n) {
  uint32_t c = ~initial;
#ifdef HAVE_CLMUL_PATH
  if (use_clmul && n >= 64) {
    size_t folded = n & ~(size_t)15;
    c = crc_fold(c, p, folded);
    p += folded;
    n -= folded;
  }
#endif
  return ~crc_bytes(c, p, n);
}

static napi_value crc32_js(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "crc32(data, start, end, initial)");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value arraybuffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &arraybuffer, &byte_offset) !=
      napi_ok) {
    napi_throw_type_error(env, NULL, "crc32: data must be a TypedArray");
    return NULL;
  }
  size_t element = type == napi_uint8_array || type == napi_int8_array ||
                           type == napi_uint8_clamped_array
                       ? 1
                   : type == napi_int16_array || type == napi_uint16_array ? 2
                   : type == napi_float64_array || type == napi_bigint64_array ||
                           type == napi_biguint64_array
                       ? 8
                       : 4;
  size_t bytes = length * element;
  double start, end;
  uint32_t initial;
  CHECK(napi_get_value_double(env, argv[1], &start));
  CHECK(napi_get_value_double(env, argv[2], &end));
  CHECK(napi_get_value_uint32(env, argv[3], &initial));
  if (!(start >= 0 && start <= end && end <= (double)bytes)) {
    napi_throw_range_error(env, NULL, "crc32: start and end must lie within the data");
    return NULL;
  }
  uint32_t crc = crc32_of(initial, (const uint8_t *)data + (size_t)start, (size_t)(end - start));
  napi_value result;
  CHECK(napi_create_uint32(env, crc, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  make_byte_table();
#ifdef HAVE_CLMUL_PATH
  __builtin_cpu_init();
  use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
  napi_value accelerated;
  CHECK(napi_get_boolean(env, use_clmul != 0, &accelerated));
  napi_property_descriptor props[] = {
      {"crc32", NULL, crc32_js, NULL, NULL, NULL, napi_default, NULL},
      {"accelerated", NULL, NULL, NULL, NULL, accelerated, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
