/*
 * CRC-64/NVME for Coffer, as a Node-API addon.
 *
 * S3 computes a CRC64NVME full-object checksum for every object, even when the client sends none
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html), so
 * Coffer does too, on every PUT. A pure-JS CRC64 runs at a few hundred MiB/s, slower than the MD5
 * that already runs for the ETag; this file makes it nearly free.
 *
 * Parameters (Rocksoft/NVMe CRC, catalogued as CRC-64/NVME in
 * https://reveng.sourceforge.io/crc-catalogue/17plus.htm#crc.cat.crc-64-nvme):
 *   width=64 poly=0xad93d23594c93659 init=0xffffffffffffffff refin=true refout=true
 *   xorout=0xffffffffffffffff check("123456789")=0xae8b14860a799888
 *
 * Two implementations:
 *   - x86-64 with PCLMULQDQ: folding with carry-less multiplication, after Intel's "Fast CRC
 *     Computation for Generic Polynomials Using PCLMULQDQ Instruction" (Gopal et al., 2009).
 *     Only that function is compiled for pclmul/sse4.1, and it is chosen at run time, so the
 *     binary still loads on any x86-64.
 *   - everywhere else, slicing-by-8 tables (Kounavis & Berry, "A Systematic Approach to
 *     Building High Performance Software-based CRC Generators", 2005).
 *
 * JS API: update(state: Uint8Array(8), data: Uint8Array): undefined
 *         updatePortable(state, data): the same through the tables only (for tests)
 *         implementation(): 'pclmul' | 'slice8'
 *   `state` holds the finished CRC of the bytes so far, big-endian: the very 8 bytes that S3
 *   base64-encodes into x-amz-checksum-crc64nvme. All zeros is the CRC of no bytes, so a fresh
 *   Buffer.alloc(8) is a valid start and the state is the digest at any time (zlib's convention
 *   for crc32(crc, buf, len)). Mutating a caller-owned buffer keeps BigInt out of the hot path.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC64_HAVE_PCLMUL 1
#include <immintrin.h>
#endif

/* The polynomial in reflected (LSB-first) form: bit i is the coefficient of x^(63-i). */
#define CRC64_NVME_POLY_REFLECTED 0x9a6c9329ac4bc9b5ULL

static uint64_t crc_table[8][256];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

#ifdef CRC64_HAVE_PCLMUL
/* x^n mod P, reflected, for the fold distances used below; see fold_16() for why n is what it is. */
static uint64_t k_fold512_lo, k_fold512_hi, k_fold128_lo, k_fold128_hi;
static int have_pclmul;

/* x^n mod P in reflected form: start from x^0 and multiply by x n times. Multiplying by x is the
 * CRC register step (shift toward higher degree = right shift when reflected, then reduce). */
static uint64_t xn_mod_p(unsigned n) {
  uint64_t r = 1ULL << 63; /* x^0 */
  while (n--) r = (r & 1) ? (r >> 1) ^ CRC64_NVME_POLY_REFLECTED : r >> 1;
  return r;
}
#endif

/* Tables and constants are filled once per process, not per Node environment: worker threads
 * that load the addon share them, and pthread_once keeps that race-free. */
static void init_tables(void) {
  for (unsigned n = 0; n < 256; n++) {
    uint64_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ CRC64_NVME_POLY_REFLECTED : c >> 1;
    crc_table[0][n] = c;
  }
  for (unsigned n = 0; n < 256; n++) {
    uint64_t c = crc_table[0][n];
    for (int t = 1; t < 8; t++) {
      c = crc_table[0][c & 0xff] ^ (c >> 8);
      crc_table[t][n] = c;
    }
  }
#ifdef CRC64_HAVE_PCLMUL
  __builtin_cpu_init();
  have_pclmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  k_fold512_lo = xn_mod_p(512 + 63);
  k_fold512_hi = xn_mod_p(512 - 1);
  k_fold128_lo = xn_mod_p(128 + 63);
  k_fold128_hi = xn_mod_p(128 - 1);
#endif
}

/* `r` is the raw register (already inverted by the caller); returns the raw register. */
static uint64_t crc64_bytewise(uint64_t r, const uint8_t *p, size_t len) {
  while (len--) r = crc_table[0][(r ^ *p++) & 0xff] ^ (r >> 8);
  return r;
}

static uint64_t crc64_slice8(uint64_t r, const uint8_t *p, size_t len) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (len >= 8) {
    uint64_t v;
    memcpy(&v, p, 8); /* unaligned-safe; compiles to one load */
    r ^= v;
    r = crc_table[7][r & 0xff] ^ crc_table[6][(r >> 8) & 0xff] ^ crc_table[5][(r >> 16) & 0xff] ^
        crc_table[4][(r >> 24) & 0xff] ^ crc_table[3][(r >> 32) & 0xff] ^
        crc_table[2][(r >> 40) & 0xff] ^ crc_table[1][(r >> 48) & 0xff] ^ crc_table[0][r >> 56];
    p += 8;
    len -= 8;
  }
#endif
  return crc64_bytewise(r, p, len);
}

#ifdef CRC64_HAVE_PCLMUL
/*
 * Folding, in the reflected convention: 16 bytes loaded little-endian into an xmm register give
 * a 128-bit polynomial whose bit i is the coefficient of x^(127-i); the low qword H is the first
 * (higher-degree) half, the high qword L the second: A = H*x^64 + L.
 *
 * Moving A forward by D bits means replacing A*x^D with H*(x^(D+64) mod P) + L*(x^D mod P),
 * both products < 128 bits. PCLMULQDQ on reflected operands returns a product that reads one
 * degree too high in this convention (bits 0..126 hold x^126..x^0), so the constants carry one
 * power of x less: x^(D+63) for H and x^(D-1) for L.
 */
__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold_16(__m128i a, __m128i k,
                                                                      __m128i next) {
  __m128i h = _mm_clmulepi64_si128(a, k, 0x00); /* H * k.lo */
  __m128i l = _mm_clmulepi64_si128(a, k, 0x11); /* L * k.hi */
  return _mm_xor_si128(_mm_xor_si128(h, l), next);
}

/* Needs len >= 64. Four independent accumulators hide PCLMULQDQ's latency. */
__attribute__((target("pclmul,sse4.1"))) static uint64_t crc64_pclmul(uint64_t r, const uint8_t *p,
                                                                     size_t len) {
  const __m128i k512 = _mm_set_epi64x((long long)k_fold512_hi, (long long)k_fold512_lo);
  const __m128i k128 = _mm_set_epi64x((long long)k_fold128_hi, (long long)k_fold128_lo);
  __m128i x0 = _mm_loadu_si128((const __m128i *)(p + 0));
  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
  /* The register so far is XORed into the first 8 bytes, as a table CRC would do byte by byte. */
  x0 = _mm_xor_si128(x0, _mm_cvtsi64_si128((long long)r));
  p += 64;
  len -= 64;
  while (len >= 64) {
    x0 = fold_16(x0, k512, _mm_loadu_si128((const __m128i *)(p + 0)));
    x1 = fold_16(x1, k512, _mm_loadu_si128((const __m128i *)(p + 16)));
    x2 = fold_16(x2, k512, _mm_loadu_si128((const __m128i *)(p + 32)));
    x3 = fold_16(x3, k512, _mm_loadu_si128((const __m128i *)(p + 48)));
    p += 64;
    len -= 64;
  }
  x1 = fold_16(x0, k128, x1);
  x2 = fold_16(x1, k128, x2);
  x3 = fold_16(x2, k128, x3);
  /* x3 is now a 16-byte message that leaves the same CRC as everything folded into it, starting
   * from a zero register. Sixteen table steps replace a Barrett reduction: simpler to get right,
   * and noise next to the megabytes folded above. */
  uint8_t tail[16];
  _mm_storeu_si128((__m128i *)tail, x3);
  r = crc64_slice8(0, tail, 16);
  return crc64_slice8(r, p, len);
}
#endif

static uint64_t crc64_update(uint64_t crc, const uint8_t *p, size_t len) {
  uint64_t r = ~crc;
#ifdef CRC64_HAVE_PCLMUL
  if (have_pclmul && len >= 64) return ~crc64_pclmul(r, p, len);
#endif
  return ~crc64_slice8(r, p, len);
}

static uint64_t crc64_update_portable(uint64_t crc, const uint8_t *p, size_t len) {
  return ~crc64_slice8(~crc, p, len);
}

static uint64_t load_be64(const uint8_t *b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | b[i];
  return v;
}

static void store_be64(uint8_t *b, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    b[i] = (uint8_t)v;
    v >>= 8;
  }
}

/* Returns 0 and fills data/len if `value` is a Uint8Array (Buffer included). */
static int get_bytes(napi_env env, napi_value value, uint8_t **data, size_t *len) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return -1;
  napi_typedarray_type type;
  void *ptr = NULL;
  /* `ptr` already includes the view's byte offset. */
  if (napi_get_typedarray_info(env, value, &type, len, &ptr, NULL, NULL) != napi_ok) return -1;
  if (type != napi_uint8_array) return -1;
  *data = ptr;
  return 0;
}

static napi_value update_with(napi_env env, napi_callback_info info,
                              uint64_t (*fn)(uint64_t, const uint8_t *, size_t)) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *state, *data;
  size_t state_len, data_len;
  if (argc < 2 || get_bytes(env, argv[0], &state, &state_len) != 0 || state_len != 8 ||
      get_bytes(env, argv[1], &data, &data_len) != 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "update(state: Uint8Array(8), data: Uint8Array) expected");
    return NULL;
  }
  /* A zero-length view may have a NULL data pointer. */
  if (data_len > 0) store_be64(state, fn(load_be64(state), data, data_len));
  return NULL;
}

static napi_value js_update(napi_env env, napi_callback_info info) {
  return update_with(env, info, crc64_update);
}

/* The table path alone, so tests can check it on a machine where PCLMULQDQ would be chosen. */
static napi_value js_update_portable(napi_env env, napi_callback_info info) {
  return update_with(env, info, crc64_update_portable);
}

static napi_value js_implementation(napi_env env, napi_callback_info info) {
  (void)info;
  const char *name = "slice8";
#ifdef CRC64_HAVE_PCLMUL
  if (have_pclmul) name = "pclmul";
#endif
  napi_value out;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out) != napi_ok) return NULL;
  return out;
}

NAPI_MODULE_INIT() {
  pthread_once(&init_once, init_tables);
  napi_property_descriptor props[] = {
      {"update", NULL, js_update, NULL, NULL, NULL, napi_default, NULL},
      {"updatePortable", NULL, js_update_portable, NULL, NULL, NULL, napi_default, NULL},
      {"implementation", NULL, js_implementation, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok)
    return NULL;
  return exports;
}
