#include "netsim/link.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "netsim/jitter.h"

namespace stoq::netsim {

Link::Link(const LinkConfig& config, Timestamp now)
    : config_(config), config_applied_at_(now), rng_(config.seed) {}

void Link::set_config(const LinkConfig& config, Timestamp now) {
  if (config.seed != config_.seed) rng_.reseed(config.seed);
  // A burst that is switched off must not linger in the bad state.
  if (config.burst.to_bad <= 0.0) burst_.reset();
  config_ = config;
  config_applied_at_ = now;
}

bool Link::blackholed(Timestamp now) const noexcept {
  if (config_.blackhole) return true;
  const auto& s = config_.blackhole_schedule;
  if (s.duration.count() <= 0) return false;
  const Duration since = now - config_applied_at_;
  if (since < s.at) return false;
  const Duration into = since - s.at;
  if (s.every.count() <= 0) return into < s.duration;
  return into % s.every < s.duration;
}

Fate Link::send(Timestamp now, Packet packet) {
  const std::uint64_t size = packet.data.size();
  ++counters_.received;
  counters_.bytes_received += size;

  if (config_.mtu != 0 && size > config_.mtu) {
    ++counters_.dropped_mtu;
    return Fate::kDroppedMtu;
  }
  if (blackholed(now)) {
    ++counters_.dropped_blackhole;
    return Fate::kDroppedBlackhole;
  }
  if ((config_.burst.to_bad > 0.0 || burst_.in_bad_state()) && burst_.lose(config_.burst, rng_)) {
    ++counters_.dropped_burst;
    return Fate::kDroppedBurst;
  }
  if (rng_.chance(config_.loss)) {
    ++counters_.dropped_loss;
    return Fate::kDroppedLoss;
  }

  const std::uint64_t seq = next_arrival_seq_++;
  if (rng_.chance(config_.duplicate)) {
    ++counters_.duplicated;
    Packet copy = packet;
    if (rng_.chance(config_.corrupt)) corrupt(copy);
    // The duplicate's own fate is visible only in the counters.
    (void)schedule(now, seq, std::move(copy));
  }
  if (rng_.chance(config_.corrupt)) corrupt(packet);
  return schedule(now, seq, std::move(packet));
}

void Link::corrupt(Packet& packet) {
  const std::uint64_t bits = packet.data.size() * 8;
  if (bits == 0) return;
  const std::uint64_t flips = std::min<std::uint64_t>(config_.corrupt_bits, bits);
  std::array<std::uint64_t, kMaxCorruptBits> chosen{};
  for (std::uint64_t i = 0; i < flips; ++i) {
    // Distinct positions, so two flips never cancel out. Terminates because
    // flips <= bits; expected tries per flip stay below 2 unless the packet is tiny.
    std::uint64_t pos = 0;
    do {
      pos = rng_.below(bits);
    } while (std::find(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(i), pos) !=
             chosen.begin() + static_cast<std::ptrdiff_t>(i));
    chosen[i] = pos;
    packet.data[pos / 8] ^= static_cast<std::uint8_t>(1U << (pos % 8));
  }
  ++counters_.corrupted;
}

Fate Link::schedule(Timestamp now, std::uint64_t arrival_seq, Packet packet) {
  const std::uint64_t size = packet.data.size();
  if (counters_.pending_bytes + size > config_.limit_bytes ||
      counters_.pending_packets >= kMaxPendingPackets) {
    ++counters_.dropped_limit;
    return Fate::kDroppedLimit;
  }

  Timestamp departure = now;
  if (config_.rate_bps != 0) {
    const double rate = static_cast<double>(config_.rate_bps);
    if (tx_free_at_ > now) {
      // Bytes the serialiser still has to send, including the rest of the packet on the
      // wire. A packet reaching an idle serialiser always fits.
      const double backlog = static_cast<double>((tx_free_at_ - now).count()) * rate / 8e9;
      if (backlog + static_cast<double>(size) > static_cast<double>(config_.queue_bytes)) {
        ++counters_.dropped_queue;
        return Fate::kDroppedQueue;
      }
    }
    const auto tx = static_cast<Duration::rep>(std::ceil(static_cast<double>(size) * 8e9 / rate));
    tx_free_at_ = std::max(now, tx_free_at_) + Duration(tx);
    departure = tx_free_at_;
  }

  Duration delay = config_.delay + sample_jitter(config_.jitter_distribution, config_.jitter, rng_);
  if (delay.count() < 0) delay = Duration(0);
  Timestamp at = departure + delay;
  if (rng_.chance(config_.reorder)) {
    at += config_.reorder_delay;
  } else if (!config_.jitter_reorder) {
    at = std::max(at, last_in_order_);
    last_in_order_ = at;
  }

  heap_.push_back(Entry{at, next_order_++, arrival_seq, std::move(packet)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  ++counters_.pending_packets;
  counters_.pending_bytes += size;
  counters_.peak_pending_bytes = std::max(counters_.peak_pending_bytes, counters_.pending_bytes);
  return Fate::kScheduled;
}

bool Link::poll_one(Timestamp now, Delivery& out) {
  if (heap_.empty() || heap_.front().at > now) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  Entry entry = std::move(heap_.back());
  heap_.pop_back();
  const std::uint64_t size = entry.packet.data.size();
  --counters_.pending_packets;
  counters_.pending_bytes -= size;
  ++counters_.delivered;
  counters_.bytes_delivered += size;
  if (entry.arrival_seq < max_delivered_seq_) {
    ++counters_.reordered;
  } else {
    max_delivered_seq_ = entry.arrival_seq;
  }
  out.at = entry.at;
  out.packet = std::move(entry.packet);
  return true;
}

std::vector<Delivery> Link::poll(Timestamp now) {
  std::vector<Delivery> due;
  Delivery d;
  while (poll_one(now, d)) due.push_back(std::move(d));
  return due;
}

std::optional<Timestamp> Link::next_deadline() const noexcept {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().at;
}

}  // namespace stoq::netsim
