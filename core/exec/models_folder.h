#pragma once
// The models folder: ComfyUI's layout, so users can point Tessera at the folder they already
// have. Where it is: --models options / settings first, then $TESSERA_MODELS (':'-separated),
// then the default $XDG_DATA_HOME/tessera/models (~/.local/share/tessera/models).
#include <string>
#include <vector>

namespace tessera {

struct ModelFolderKind {
    const char* folder;       // "checkpoints"
    const char* holds;        // what belongs there, for messages and the first-start guide
    const char* extensions;   // ".safetensors"
};

const std::vector<ModelFolderKind>& modelFolderKinds();
std::string defaultModelsDir();
// The search list: explicit dirs, then $TESSERA_MODELS, then the default; duplicates removed.
std::vector<std::string> resolveModelDirs(const std::vector<std::string>& explicitDirs);
// Creates the sub-folders of the first models dir (never touches existing files).
void createModelFolders(const std::string& dir);
// A guide listing each sub-folder with what goes there, for an empty models folder.
std::string describeModelFolders(const std::string& dir);

}  // namespace tessera
