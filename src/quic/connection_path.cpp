// Connection: key update, migration, NEW_TOKEN, stateless reset, delivery rate and qlog.
#include <ngtcp2/ngtcp2_crypto.h>

#include "quic/connection.h"

namespace stoq::quic {
namespace {

constexpr Timestamp kRateInterval = 100 * NGTCP2_MILLISECONDS;

}  // namespace

Status Connection::update_keys(Timestamp now) {
  now = monotonic(now);
  if (state_ != State::kOpen) return {Errc::kClosed, "connection is closed"};
  int rv = ngtcp2_conn_initiate_key_update(conn_, now);
  if (rv != 0) {
    return {Errc::kInvalidArgument,
            std::string("key update not possible now (handshake not confirmed or the previous "
                        "update not yet confirmed): ") +
                ngtcp2_strerror(rv)};
  }
  host_.on_wants_write(*this);
  return ok_status();
}

Status Connection::migrate(const SocketAddress& new_local, bool new_cid, Timestamp now) {
  now = monotonic(now);
  if (state_ != State::kOpen) return {Errc::kClosed, "connection is closed"};
  if (is_server_) return {Errc::kInvalidArgument, "only a client migrates"};
  ngtcp2_path path{};
  path.local.addr = const_cast<sockaddr*>(new_local.data());
  path.local.addrlen = new_local.size();
  path.remote.addr = const_cast<sockaddr*>(remote_.data());
  path.remote.addrlen = remote_.size();
  int rv =
      new_cid && handshake_done_ ? ngtcp2_conn_initiate_immediate_migration(conn_, &path, now) : -1;
  if (rv == NGTCP2_ERR_NOMEM || rv == NGTCP2_ERR_CALLBACK_FAILURE) {
    return {Errc::kInternal, std::string("migration failed: ") + ngtcp2_strerror(rv)};
  }
  if (rv != 0) {
    // Rebinding, or active migration is not possible right now (handshake not confirmed
    // yet, no spare connection ID from the peer, peer disabled it): the connection follows
    // the new address with its current connection ID, as through a NAT rebinding.
    ngtcp2_addr a{path.local.addr, path.local.addrlen};
    ngtcp2_conn_set_local_addr(conn_, &a);
  }
  local_ = new_local;
  ++migrations_;
  host_.on_wants_write(*this);
  return ok_status();
}

Status Connection::submit_new_token(std::span<const uint8_t> token) {
  if (state_ != State::kOpen) return {Errc::kClosed, "connection is closed"};
  int rv = ngtcp2_conn_submit_new_token(conn_, token.data(), token.size());
  if (rv != 0) return {Errc::kQuicError, ngtcp2_strerror(rv)};
  host_.on_wants_write(*this);
  return ok_status();
}

void Connection::sample_delivery_rate(Timestamp now) {
  if (rate_sample_at_ == 0) {
    rate_sample_at_ = now;
    rate_sample_bytes_ = acked_bytes_;
    return;
  }
  if (now - rate_sample_at_ < kRateInterval) return;
  delivery_rate_ = (acked_bytes_ - rate_sample_bytes_) * NGTCP2_SECONDS / (now - rate_sample_at_);
  rate_sample_at_ = now;
  rate_sample_bytes_ = acked_bytes_;
}

int Connection::update_key_cb(ngtcp2_conn* conn, uint8_t* rx_secret, uint8_t* tx_secret,
                              ngtcp2_crypto_aead_ctx* rx_aead_ctx, uint8_t* rx_iv,
                              ngtcp2_crypto_aead_ctx* tx_aead_ctx, uint8_t* tx_iv,
                              const uint8_t* current_rx_secret, const uint8_t* current_tx_secret,
                              size_t secretlen, void* user) {
  auto* self = static_cast<Connection*>(user);
  // ngtcp2 derives the next generation of keys ahead of time: once when the handshake is
  // confirmed, then again after each key update. Every call after the first is an update.
  if (self->key_generations_prepared_++ > 0) ++self->key_updates_;
  return ngtcp2_crypto_update_key_cb(conn, rx_secret, tx_secret, rx_aead_ctx, rx_iv, tx_aead_ctx,
                                     tx_iv, current_rx_secret, current_tx_secret, secretlen, user);
}

int Connection::recv_stateless_reset_cb(ngtcp2_conn*, const ngtcp2_pkt_stateless_reset*,
                                        void* user) {
  static_cast<Connection*>(user)->stateless_reset_ = true;
  return 0;
}

int Connection::recv_new_token_cb(ngtcp2_conn*, const uint8_t* token, size_t len, void* user) {
  auto* self = static_cast<Connection*>(user);
  self->host_.on_new_token(*self, {token, len});
  return 0;
}

void Connection::qlog_cb(void* user, uint32_t flags, const void* data, size_t len) {
  auto* self = static_cast<Connection*>(user);
  if (self->qlog_) {
    self->qlog_({static_cast<const uint8_t*>(data), len},
                (flags & NGTCP2_QLOG_WRITE_FLAG_FIN) != 0);
  }
}

}  // namespace stoq::quic
