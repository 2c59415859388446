#pragma once
// Models load once and are shared: a process-wide cache of loaded files keyed by the file's
// resolved path, size and modification time. Entries are weak, so a model lives exactly as long
// as some node output (or anything else) still holds it; two loader nodes naming the same file,
// or a reload after the executor's cache dropped a model still in use, get the same object.
#include "core/engine/files/checkpoint.h"
#include "core/exec/environment.h"

#include <memory>
#include <string>

namespace tessera::engine {
class ClipVisionModel;
class ControlModel;
class GligenModel;
class TaesdDecoder;
class UpscaleModel;
class Vae;
}  // namespace tessera::engine

namespace tessera::nodes {

// The checkpoint's parts keep one another alive (they share one cache entry).
// A file loaded for another device or precision is another entry.
engine::LoadedCheckpoint sharedCheckpoint(const std::string& path, const engine::LoadOptions& options);
std::shared_ptr<const engine::Vae> sharedVae(const std::string& path, const engine::Placement& placement);
std::shared_ptr<const engine::ControlModel> sharedControlNet(const std::string& path, const engine::Placement& placement);
std::shared_ptr<const engine::TaesdDecoder> sharedTaesd(const std::string& path);  // CPU float32
// On the placement's device, float32 whatever its precision (as ComfyUI runs upscale models).
std::shared_ptr<const engine::UpscaleModel> sharedUpscaleModel(const std::string& path, const engine::Placement& placement);
std::shared_ptr<const engine::ClipVisionModel> sharedClipVision(const std::string& path);  // CPU float32
// On the placement's device, float32.
std::shared_ptr<const engine::GligenModel> sharedGligen(const std::string& path, const engine::Placement& placement);

// The placement the run's environment asks for (Environment::device and ::precision).
engine::Placement placementFor(const Environment& env);

// How many files the cache actually read since the process started (for tests and logs).
int modelFileLoads();

}  // namespace tessera::nodes
