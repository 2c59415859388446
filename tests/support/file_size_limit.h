#pragma once
// "Disk full" without root or a full disk: while this lives, writing a file past `bytes` fails with
// EFBIG ("File too large") as a full disk fails with ENOSPC (RLIMIT_FSIZE; SIGXFSZ, which would end
// the process, is ignored). Only the soft limit changes, so it can be restored.
#include <csignal>

#include <sys/resource.h>

namespace tessera::test {

class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        previousHandler_ = std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &previous_);
        rlimit limited = previous_;
        limited.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limited);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &previous_);
        std::signal(SIGXFSZ, previousHandler_);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
    rlimit previous_{};
    void (*previousHandler_)(int) = nullptr;
};

}  // namespace tessera::test
