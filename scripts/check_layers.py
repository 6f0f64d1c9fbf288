#!/usr/bin/env python3
"""Fails when a file in src/ or apps/ includes a header of a layer it may not use.

Every `#include "..."` is resolved the way the build resolves it (the including file's
directory, then include/, then src/) and the header's layer is looked up below. A layer
may include its own headers and those of the layers listed for it in ALLOWED; anything
else, and any quoted include that resolves to no file, is printed as file:line and makes
the script exit 1. Tests (tests/, and *_test.* / test_* files beside the code) may include
anything and are not checked. The layers are described in docs/architecture.md.

Usage: scripts/check_layers.py [repository root]   (registered as the ctest lint.layers)
"""

import pathlib
import re
import sys

# Directory (relative to the repository) -> layer. The longest matching prefix wins.
LAYER_DIRS = {
    "src/core": "core",
    "src/crypto/falcon": "falcon",
    "src/provider": "provider",
    "src/runtime": "runtime",
    "src/tls": "tls",
    "src/proto": "proto",
    "src/io": "io",
    "src/netsim": "netsim",
    "src/quic": "quic",
    "src/api": "api",
    "apps": "apps",
}

# Public headers (include/stoq) -> the layer that implements them. Header-only value types
# that the transport fills in belong to the runtime, so the layers below the API use them.
PUBLIC_HEADERS = {
    "stoq/error.h": "core",
    "stoq/address.h": "core",
    "stoq/log.h": "core",
    "stoq/version.h": "core",
    "stoq/context.h": "runtime",
    "stoq/sha256.h": "runtime",
    "stoq/config.h": "runtime",
    "stoq/path_payload.h": "runtime",
    "stoq/connection_info.h": "runtime",
    "stoq/cert.h": "tls",
    "stoq/endpoint.h": "api",
    "stoq/connection.h": "api",
    "stoq/stream.h": "api",
    "stoq/message.h": "api",
    "stoq/session_cache.h": "api",
    "stoq/falcon_signer.h": "api",
    "stoq/stoq.h": "api",
}

# Layer -> the other layers whose headers it may include (its own always). "stoq:<layer>"
# allows only that layer's public headers (include/stoq), not its internal ones. Every
# layer may use the ground floor (core); the Falcon core and the provider only its
# header-only parts, as they do not link it.
ALLOWED = {
    "core": set(),
    "falcon": {"core"},
    "provider": {"falcon", "core"},
    "runtime": {"core", "provider"},
    "tls": {"runtime", "core"},
    "proto": {"runtime", "core"},
    "io": {"core"},
    "netsim": {"io", "core"},
    "quic": {"tls", "runtime", "core"},
    "api": {"quic", "tls", "proto", "io", "runtime", "core", "falcon"},
    # The CLI: the public API, plus the Falcon core (keygen), the relay (netsim) and the
    # dependency-free basics of the ground floor (escaping peer text, wiping secrets).
    "apps": {"stoq:api", "stoq:tls", "stoq:runtime", "core", "falcon", "netsim"},
}

CHECKED_DIRS = ("src", "apps")
SOURCE_SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".c"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def is_test_file(path: pathlib.Path) -> bool:
    name = path.name
    return (name.startswith("test_") or "_test." in name or name.endswith("_test_util.h")
            or name == "test_util.h")


def layer_of(rel: str):
    best = None
    for prefix, layer in LAYER_DIRS.items():
        if (rel == prefix or rel.startswith(prefix + "/")) and (
                best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return best[1] if best else None


def resolve(root: pathlib.Path, src_file: pathlib.Path, header: str):
    """Returns (layer, public) of the included header, or None when no file matches."""
    local = src_file.parent / header
    if local.is_file():
        rel = local.resolve().relative_to(root).as_posix()
        if rel.startswith("include/"):
            return PUBLIC_HEADERS.get(rel[len("include/"):], "?"), True
        return layer_of(rel), False
    if (root / "include" / header).is_file():
        return PUBLIC_HEADERS.get(header, "?"), True
    if (root / "src" / header).is_file():
        return layer_of("src/" + header), False
    # apps/stoq is the CLI's include root (stoq_cli_support), as src/ is the libraries':
    # apps/stoq/bench includes "bench/x.h" and "pattern.h".
    if (root / "apps" / "stoq" / header).is_file():
        return layer_of("apps/stoq/" + header), False
    return None


def check(root: pathlib.Path):
    problems = []
    for top in CHECKED_DIRS:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file() or is_test_file(path):
                continue
            rel = path.relative_to(root).as_posix()
            layer = layer_of(rel)
            if layer is None:
                problems.append(f"{rel}: directory has no layer (add it to LAYER_DIRS)")
                continue
            allowed = ALLOWED[layer]
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            for number, line in enumerate(lines, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                header = m.group(1)
                found = resolve(root, path, header)
                where = f"{rel}:{number}"
                if found is None:
                    problems.append(f'{where}: "{header}" resolves to no file')
                    continue
                target, public = found
                if target == "?":
                    problems.append(f'{where}: public header "{header}" has no layer '
                                    "(add it to PUBLIC_HEADERS)")
                elif target is None:
                    problems.append(f'{where}: "{header}" lies in no layer')
                elif target == layer or target in allowed or (public and
                                                              f"stoq:{target}" in allowed):
                    continue
                else:
                    kind = "public header" if public else "header"
                    problems.append(f'{where}: {layer} includes {kind} "{header}" of layer '
                                    f"{target} (allowed: {', '.join(sorted(allowed)) or 'none'})")
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parent.parent).resolve()
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layering violation(s); the layers: docs/architecture.md")
        return 1
    print("layers OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
