#pragma once
// `tessera run --previews DIR`: each live preview written as a numbered PNG.
#include "core/exec/node_context.h"

#include <map>
#include <memory>
#include <string>

namespace tessera::cli {

class PreviewWriter {
public:
    explicit PreviewWriter(std::string dir);  // empty: previews are ignored
    void write(const std::string& node, const std::shared_ptr<const PreviewImage>& image);
    int count() const { return count_; }

private:
    std::string dir_;
    std::map<std::string, int> perNode_;
    int count_ = 0;
};

}  // namespace tessera::cli
