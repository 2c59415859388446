#include "core/common/user_paths.h"
#include "core/exec/models_folder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

using namespace tessera;

namespace {

// Sets an environment variable for one scope and puts the old value back.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        value ? ::setenv(name, value, 1) : ::unsetenv(name);
    }
    ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST(UserPaths, XdgDataHomeComesBeforeHome) {
    ScopedEnv home("HOME", "/home/artist");
    {
        ScopedEnv xdg("XDG_DATA_HOME", "/data/xdg");
        EXPECT_EQ(userDataDir(), "/data/xdg/tessera");
        EXPECT_EQ(defaultModelsDir(), "/data/xdg/tessera/models");
    }
    ScopedEnv noXdg("XDG_DATA_HOME", nullptr);
    EXPECT_EQ(userDataDir(), "/home/artist/.local/share/tessera");
    EXPECT_EQ(defaultModelsDir(), "/home/artist/.local/share/tessera/models");
    ScopedEnv noHome("HOME", nullptr);
    EXPECT_EQ(userDataDir(), "");
    EXPECT_EQ(defaultModelsDir(), "models");
}

TEST(UserPaths, PathListsSkipEmptyEntries) {
    ScopedEnv list("TESSERA_TEST_PATHS", ":/a::/b c:");
    EXPECT_EQ(pathListFromEnv("TESSERA_TEST_PATHS"), (std::vector<std::string>{"/a", "/b c"}));
    ScopedEnv unset("TESSERA_TEST_PATHS", nullptr);
    EXPECT_TRUE(pathListFromEnv("TESSERA_TEST_PATHS").empty());
}
