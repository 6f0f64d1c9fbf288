// Writing a whole file so that readers never see a partial file and an attacker who can
// write to the target's directory cannot redirect the write: the bytes go into a fresh
// temporary file (O_CREAT|O_EXCL|O_NOFOLLOW, random name in the target's directory), get
// their mode with fchmod, are fsync'ed, and the temporary file is renamed over the target.
// A symlink at the target path is replaced, never followed; an existing file's old mode
// is never kept. Used for private keys (stoq::write_file) and the session cache.
#pragma once

#include <string>
#include <string_view>

#include "stoq/error.h"

namespace stoq::detail {

enum class FileMode {
  kPrivate,  // 0600: keys, session tickets
  kPublic,   // 0644: certificates, public keys
};

// Replaces `path` with a regular file holding `contents` and mode `mode` (exactly, the
// umask does not apply). Errors: Errc::kIoError whose reason names `path` and errno's
// text; the target is then unchanged and no temporary file is left behind.
Status write_file_atomically(const std::string& path, std::string_view contents, FileMode mode);

}  // namespace stoq::detail
