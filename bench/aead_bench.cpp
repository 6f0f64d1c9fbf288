// AEAD cost per QUIC packet: AES-128-GCM seal and open of 1200-byte payloads through
// OpenSSL's EVP interface, the way a QUIC stack calls it (one context per direction,
// re-initialised with a new nonce per packet, 16-byte tag, short-header-sized AAD).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <vector>

namespace {

constexpr size_t kAad = 21;  // short header: flags, 20-byte DCID... (order of magnitude)
constexpr size_t kTag = 16;

struct Aead {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  std::array<uint8_t, 16> key{};
  Aead() {
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
    EVP_EncryptInit_ex(enc, cipher, nullptr, key.data(), nullptr);
    EVP_DecryptInit_ex(dec, cipher, nullptr, key.data(), nullptr);
  }
  ~Aead() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    EVP_CIPHER_free(cipher);
  }
  bool seal(const uint8_t* nonce, const uint8_t* aad, const uint8_t* in, size_t n, uint8_t* out) {
    int len = 0;
    return EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, nonce) == 1 &&
           EVP_EncryptUpdate(enc, nullptr, &len, aad, kAad) == 1 &&
           EVP_EncryptUpdate(enc, out, &len, in, static_cast<int>(n)) == 1 &&
           EVP_EncryptFinal_ex(enc, out + len, &len) == 1 &&
           EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, kTag, out + n) == 1;
  }
  bool open(const uint8_t* nonce, const uint8_t* aad, const uint8_t* in, size_t n, uint8_t* out) {
    int len = 0;
    std::array<uint8_t, kTag> tag;
    std::memcpy(tag.data(), in + n, kTag);
    return EVP_DecryptInit_ex(dec, nullptr, nullptr, nullptr, nonce) == 1 &&
           EVP_DecryptUpdate(dec, nullptr, &len, aad, kAad) == 1 &&
           EVP_DecryptUpdate(dec, out, &len, in, static_cast<int>(n)) == 1 &&
           EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_AEAD_SET_TAG, kTag, tag.data()) == 1 &&
           EVP_DecryptFinal_ex(dec, out + len, &len) == 1;
  }
};

void BM_Aes128GcmSeal(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Aead a;
  std::vector<uint8_t> in(n, 0x42), out(n + kTag), aad(kAad, 0x40);
  std::array<uint8_t, 12> nonce{};
  uint64_t pn = 0;
  for (auto _ : state) {
    std::memcpy(nonce.data() + 4, &pn, 8);
    ++pn;
    if (!a.seal(nonce.data(), aad.data(), in.data(), n, out.data())) {
      state.SkipWithError("seal failed");
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["packets"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Aes128GcmSeal)->Arg(1200)->Arg(1452);

void BM_Aes128GcmOpen(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Aead a;
  std::vector<uint8_t> in(n, 0x42), sealed(n + kTag), out(n), aad(kAad, 0x40);
  std::array<uint8_t, 12> nonce{};
  if (!a.seal(nonce.data(), aad.data(), in.data(), n, sealed.data())) {
    state.SkipWithError("seal failed");
    return;
  }
  for (auto _ : state) {
    if (!a.open(nonce.data(), aad.data(), sealed.data(), n, out.data())) {
      state.SkipWithError("open failed");
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["packets"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Aes128GcmOpen)->Arg(1200)->Arg(1452);

// Header protection: one AES-128-ECB block per packet (RFC 9001 5.4.3).
void BM_Aes128HeaderProtectionMask(benchmark::State& state) {
  EVP_CIPHER* ecb = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  std::array<uint8_t, 16> key{}, sample{}, mask{};
  EVP_EncryptInit_ex(c, ecb, nullptr, key.data(), nullptr);
  for (auto _ : state) {
    int len = 0;
    EVP_EncryptUpdate(c, mask.data(), &len, sample.data(), 16);
    benchmark::DoNotOptimize(mask.data());
    ++sample[0];
  }
  EVP_CIPHER_CTX_free(c);
  EVP_CIPHER_free(ecb);
}
BENCHMARK(BM_Aes128HeaderProtectionMask);

}  // namespace

BENCHMARK_MAIN();
