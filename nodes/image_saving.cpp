#include "nodes/image_saving.h"

#include "core/io/png_metadata.h"
#include "nodes/image_convert.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string_view>

#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace tessera::nodes {
namespace {

bool allDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

std::string numberedName(const std::string& base, int counter) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%05d", counter);
    return base + "_" + digits + "_.png";
}

// Writes `data` under `path` unless a file of that name exists (false then): first into a temporary
// file in the same folder, which takes the name only once complete (link() refuses a taken name), so a
// full disk or a crash never leaves a half-written image under an output name.
bool writeNewFile(const NodeContext& ctx, const fs::path& path, const QByteArray& data) {
    std::string temp = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0)
        ctx.fail("could not create a file in '" + path.parent_path().string() + "': " + std::strerror(errno) +
                 "; check that the folder is writable");
    auto failWriting = [&](int err) {
        ::unlink(temp.c_str());
        ctx.fail("could not write '" + path.string() + "': " + std::strerror(err) + " (is the disk full?)");
    };
    for (qsizetype done = 0; done < data.size();) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            ::close(fd);
            failWriting(err);
        }
        done += n;
    }
    ::fchmod(fd, 0644);  // mkstemp makes the file private; images are for sharing
    if (::close(fd) != 0) failWriting(errno);
    if (::link(temp.c_str(), path.c_str()) == 0) {
        ::unlink(temp.c_str());
        return true;
    }
    int err = errno;
    if (err == EEXIST) {
        ::unlink(temp.c_str());
        return false;
    }
    // Filesystems without hard links (FAT, some network shares): rename, after checking the name is free.
    if (err == EPERM || err == ENOTSUP || err == EOPNOTSUPP) {
        std::error_code ec;
        if (fs::exists(path, ec)) {
            ::unlink(temp.c_str());
            return false;
        }
        if (::rename(temp.c_str(), path.c_str()) == 0) return true;
        err = errno;
    }
    ::unlink(temp.c_str());
    ctx.fail("could not create '" + path.string() + "': " + std::strerror(err) + "; check that the folder is writable");
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

std::string twoDigits(int v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

}  // namespace

std::string expandPrefixVariables(const std::string& prefix, int64_t width, int64_t height) {
    if (prefix.find('%') == std::string::npos) return prefix;
    std::string out = prefix;
    replaceAll(out, "%width%", std::to_string(width));
    replaceAll(out, "%height%", std::to_string(height));
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    replaceAll(out, "%year%", std::to_string(local.tm_year + 1900));
    replaceAll(out, "%month%", twoDigits(local.tm_mon + 1));
    replaceAll(out, "%day%", twoDigits(local.tm_mday));
    replaceAll(out, "%hour%", twoDigits(local.tm_hour));
    replaceAll(out, "%minute%", twoDigits(local.tm_min));
    replaceAll(out, "%second%", twoDigits(local.tm_sec));
    return out;
}

// One pass of readdir over the folder, with no path or string objects per entry: a server's
// output folder holds thousands of files, and this runs for every image saved.
int nextImageCounter(const std::string& folder, const std::string& base) {
    DIR* dir = opendir(folder.c_str());
    if (!dir) return 1;
    int highest = 0;
    while (const dirent* entry = readdir(dir)) {
        const std::string_view name(entry->d_name);
        if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0 || name[base.size()] != '_')
            continue;
        const std::string_view rest = name.substr(base.size() + 1);
        const std::string_view digits = rest.substr(0, rest.find('_'));
        if (digits.empty() || digits.size() > 9 || !allDigits(digits)) continue;
        int value = 0;
        std::from_chars(digits.data(), digits.data() + digits.size(), value);
        highest = std::max(highest, value);
    }
    closedir(dir);
    return highest + 1;
}

std::vector<std::string> saveImageBatch(const NodeContext& ctx, const at::Tensor& images, const std::string& folder,
                                        const std::string& rawPrefix, int compression) {
    const std::string prefix = expandPrefixVariables(rawPrefix, images.size(2), images.size(1));
    if (folder.empty()) ctx.fail("no output folder is set; choose one in the settings");
    const fs::path relative = fs::path(prefix).lexically_normal();
    bool escapes = prefix.empty() || relative.is_absolute() || relative.has_root_name();
    for (const auto& part : relative)
        if (part == "..") escapes = true;
    if (escapes)
        ctx.fail("filename_prefix '" + prefix +
                 "' must be a file name, optionally inside sub-folders of the output folder (like 'portraits/Tessera'); "
                 "absolute paths and '..' are not allowed");
    const std::string base = relative.filename().string();
    if (base.empty() || base == ".") ctx.fail("filename_prefix '" + prefix + "' has no file name part; add one, like 'Tessera'");

    const fs::path dir = fs::path(folder) / relative.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) ctx.fail("could not create the folder '" + dir.string() + "': " + ec.message());

    std::map<std::string, std::string> text;
    if (!ctx.env().workflowJson.empty()) text[kPngKeyTessera] = ctx.env().workflowJson;
    if (!ctx.env().promptJson.empty()) text[kPngKeyPrompt] = ctx.env().promptJson;

    std::vector<std::string> written;
    int counter = nextImageCounter(dir.string(), base);
    for (int64_t i = 0; i < images.size(0); ++i) {
        ctx.cancel().throwIfCancelled();
        QByteArray png = encodePng(images[i], compression);
        if (!text.empty()) png = addPngText(png, text);
        fs::path path = dir / numberedName(base, counter);
        while (!writeNewFile(ctx, path, png)) path = dir / numberedName(base, ++counter);
        ++counter;
        written.push_back(path.string());
        ctx.outputFile(path.string());
    }
    return written;
}

}  // namespace tessera::nodes
