#include "netsim/control_protocol.h"

#include <cctype>

#include <nlohmann/json.hpp>

namespace stoq::netsim {
namespace {

Error command_error(std::string message) {
  return make_error(Errc::kInvalidCommand, std::move(message));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits off the first word of `rest`.
std::string_view next_word(std::string_view& rest) {
  rest = trim(rest);
  std::size_t end = 0;
  while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
  const std::string_view word = rest.substr(0, end);
  rest = trim(rest.substr(end));
  return word;
}

std::optional<ControlCommand::Kind> kind_of(std::string_view word) {
  using K = ControlCommand::Kind;
  if (word == "stats") return K::kStats;
  if (word == "set") return K::kSet;
  if (word == "update") return K::kUpdate;
  if (word == "rebind") return K::kRebind;
  if (word == "clients") return K::kClients;
  if (word == "help") return K::kHelp;
  return std::nullopt;
}

Status set_direction(ControlCommand& cmd, std::string_view dir) {
  if (dir == "up") {
    cmd.up = true;
  } else if (dir == "down") {
    cmd.down = true;
  } else if (dir == "both") {
    cmd.up = cmd.down = true;
  } else {
    return command_error("direction must be up, down or both, got '" + std::string(dir) + "'");
  }
  return {};
}

Expected<ControlCommand> finish(ControlCommand cmd, std::string_view dir,
                                std::optional<std::string_view> client) {
  using K = ControlCommand::Kind;
  if (cmd.kind == K::kSet || cmd.kind == K::kUpdate) {
    if (Status s = set_direction(cmd, dir); !s) return s.error();
  }
  if (cmd.kind == K::kRebind && client && !client->empty()) {
    auto addr = parse_address(*client);
    if (!addr) return addr.error();
    cmd.client = *addr;
  }
  return cmd;
}

Expected<ControlCommand> parse_json(std::string_view request) {
  const nlohmann::json j = nlohmann::json::parse(request.begin(), request.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return command_error("malformed JSON request");
  for (const auto& [key, value] : j.items()) {
    if (key != "cmd" && key != "dir" && key != "config" && key != "client") {
      return command_error("unknown request field '" + key + "' (known: cmd, dir, config, client)");
    }
  }
  const auto cmd_it = j.find("cmd");
  if (cmd_it == j.end() || !cmd_it->is_string())
    return command_error("request needs a \"cmd\" string");
  const auto kind = kind_of(cmd_it->get<std::string>());
  if (!kind) return command_error("unknown command '" + cmd_it->get<std::string>() + "'; try help");

  ControlCommand cmd;
  cmd.kind = *kind;
  std::string dir;
  if (const auto it = j.find("dir"); it != j.end()) {
    if (!it->is_string()) return command_error("\"dir\" must be a string");
    dir = it->get<std::string>();
  }
  if (const auto it = j.find("config"); it != j.end()) {
    if (it->is_string()) {
      cmd.config = it->get<std::string>();
    } else if (it->is_object()) {
      cmd.config = it->dump();
    } else {
      return command_error("\"config\" must be a string or an object");
    }
  }
  std::optional<std::string> client;
  if (const auto it = j.find("client"); it != j.end()) {
    if (!it->is_string()) return command_error("\"client\" must be a string");
    client = it->get<std::string>();
  }
  return finish(std::move(cmd), dir,
                client ? std::optional<std::string_view>(*client) : std::nullopt);
}

}  // namespace

Expected<ControlCommand> parse_control_command(std::string_view request) {
  if (request.size() > kMaxControlRequestBytes) return command_error("request too long");
  std::string_view rest = trim(request);
  if (rest.empty()) return command_error("empty request; try help");
  if (rest.front() == '{') return parse_json(rest);

  const std::string_view word = next_word(rest);
  const auto kind = kind_of(word);
  if (!kind) return command_error("unknown command '" + std::string(word) + "'; try help");
  ControlCommand cmd;
  cmd.kind = *kind;
  using K = ControlCommand::Kind;
  switch (cmd.kind) {
    case K::kSet:
    case K::kUpdate: {
      const std::string_view dir = next_word(rest);
      if (dir.empty())
        return command_error(std::string(word) + " needs a direction: up, down or both");
      cmd.config = std::string(rest);
      return finish(std::move(cmd), dir, std::nullopt);
    }
    case K::kRebind: {
      const std::string_view client = next_word(rest);
      if (!rest.empty()) return command_error("rebind takes at most one client address");
      return finish(std::move(cmd), {}, client);
    }
    default:
      if (!rest.empty()) return command_error(std::string(word) + " takes no arguments");
      return cmd;
  }
}

std::string_view control_help() noexcept {
  return "stats | set up|down|both CONFIG | update up|down|both CONFIG | rebind [CLIENT] | "
         "clients | help; CONFIG is key=value,... or a JSON object (see docs/netsim.md)";
}

}  // namespace stoq::netsim
