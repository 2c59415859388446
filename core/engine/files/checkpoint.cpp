#include "core/engine/files/checkpoint.h"

#include "core/common/error.h"
#include "core/common/strings.h"
#include "core/engine/text/clip_text_model.h"
#include "core/engine/text/clip_tokenizer.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/networks/t2i_adapter.h"
#include "core/engine/patches/diff_controlnet.h"
#include "core/engine/patches/lora.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/networks/unet.h"
#include "core/engine/networks/vae.h"

#include <ATen/ATen.h>

#include <filesystem>

namespace tessera::engine {
namespace {

std::string fileName(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// Adds the file's name to messages from the networks' constructors.
template <class F>
auto withContext(const std::string& path, const char* part, F&& make) {
    try {
        return make();
    } catch (const Error& e) {
        throw Error("'" + fileName(path) + "' (" + part + "): " + e.what());
    }
}

}  // namespace

LoadedCheckpoint loadCheckpoint(const std::string& path, const LoadOptions& options) {
    auto file = openTensorFile(path);
    LoadedCheckpoint out;
    out.layout = inspectCheckpoint(*file);
    const CheckpointLayout& layout = out.layout;
    if (layout.unetPrefix.empty() || layout.textPrefix.empty()) {
        std::string problems;
        for (const auto& p : layout.problems) problems += " " + p;
        throw Error("'" + fileName(path) + "' is not a complete SD1.x/SD2.x checkpoint:" + problems);
    }

    auto model = std::make_shared<DiffusionModel>();
    const Placement& place = options.placement;
    model->weights =
        Weights::fromFile(*file, layout.unetPrefix, place.dtype, place.device, Weights::HalfStorage::KeepMatrices);
    model->unet = withContext(path, "UNet", [&] { return std::make_shared<const UNet>(model->weights); });
    model->sampling = ModelSampling::discrete(options.prediction.value_or(layout.predictionGuess));
    model->family = layout.family;
    model->inpainting = layout.inpainting;
    model->instructPix2Pix = layout.instructPix2Pix;
    model->source = fileName(path);
    out.model = model;

    auto tokenizer = ClipTokenizer::shared(ClipTokenizer::findVocabulary(options.modelDirs, options.appDataDir));
    out.text = withContext(path, "text encoder", [&] {
        return std::make_shared<const TextEncoder>(TextEncoder::fromCheckpoint(*file, tokenizer));
    });

    if (!layout.vaePrefix.empty()) {
        Weights vw = Weights::fromFile(*file, layout.vaePrefix, place.vaeDtype(), place.device);
        out.vae = withContext(path, "VAE", [&] { return std::make_shared<const Vae>(VaeConfig::infer(vw), vw); });
    }
    return out;
}

std::shared_ptr<const Vae> loadVaeFile(const std::string& path, const Placement& placement) {
    auto file = openTensorFile(path);
    const std::string prefix = vaePrefixOf(*file);
    Weights w = Weights::fromFile(*file, prefix, placement.vaeDtype(), placement.device);
    return withContext(path, "VAE", [&] { return std::make_shared<const Vae>(VaeConfig::infer(w), w); });
}

std::shared_ptr<const ControlModel> loadControlNetFile(const std::string& path, const Placement& placement) {
    auto file = openTensorFile(path);
    if (isT2IAdapter(*file))
        return std::make_shared<const T2IAdapter>(Weights::fromFile(*file, "", placement.dtype, placement.device),
                                                  fileName(path));
    const std::string prefix = controlNetPrefixOf(*file);
    if (isDifferenceControlNet(*file))
        throw Error("'" + fileName(path) + "' is a difference ControlNet (its weights are differences from a base model): "
                    "load it with DiffControlNetLoader, connected to that model");
    Weights w = Weights::fromFile(*file, prefix, placement.dtype, placement.device, Weights::HalfStorage::KeepMatrices);
    return withContext(path, "ControlNet", [&] { return std::make_shared<const ControlNet>(w); });
}

namespace {

std::shared_ptr<const DiffusionModel> withUnetWeights(const DiffusionModel& model, const Weights& unetWeights) {
    auto patched = std::make_shared<DiffusionModel>(model);
    patched->weights = unetWeights;
    auto unet = std::make_shared<UNet>(model.unet->config(), unetWeights);
    unet->setAttentionOptions(model.unet->attentionOptions());  // a hypernetwork stays applied
    patched->unet = std::move(unet);
    return patched;
}

bool isTextEncoderModule(const std::string& module) {
    return startsWith(module, "lora_te") || startsWith(module, "text_encoder") ||
           startsWith(module, "base_model.model.text_encoder");
}

}  // namespace

LoraResult applyLoraFile(const std::string& path, const std::shared_ptr<const DiffusionModel>& model,
                         const std::shared_ptr<const TextEncoder>& text, double modelStrength, double textStrength) {
    if (!model || !text) throw Error("a LoRA needs both the model and the CLIP of a checkpoint");
    const ClipTextModel& clip = text->model();
    const TextNaming naming =
        clip.config().naming == ClipTextConfig::OpenClip ? TextNaming::OpenClip : TextNaming::HuggingFace;
    Weights unetWeights = model->weights;
    Weights textWeights = clip.weights();
    const LoraFile lora = loadLora(path, unetWeights, textWeights, naming);
    applyLora(unetWeights, textWeights, lora, modelStrength, textStrength);

    LoraResult out;
    out.unknownKeys = lora.unknownKeys;
    out.model = modelStrength != 0.0 ? withUnetWeights(*model, unetWeights) : model;
    if (textStrength != 0.0) {
        auto patched = std::make_shared<TextEncoder>(ClipTextModel(clip.config(), textWeights), text->tokenizerPtr(),
                                                     text->options());
        patched->setLastLayer(text->lastLayer());
        out.text = patched;
    } else {
        out.text = text;
    }
    return out;
}

LoraResult applyLoraFileToModel(const std::string& path, const std::shared_ptr<const DiffusionModel>& model,
                                double strength) {
    if (!model) throw Error("a LoRA needs a model");
    Weights unetWeights = model->weights;
    Weights noText;
    const LoraFile lora = loadLora(path, unetWeights.keys(), {}, TextNaming::HuggingFace);
    applyLora(unetWeights, noText, lora, strength, 0.0);
    LoraResult out;
    for (const std::string& key : lora.unknownKeys) {
        if (isTextEncoderModule(key))
            ++out.textModulesLeftOut;
        else
            out.unknownKeys.push_back(key);
    }
    out.model = strength != 0.0 ? withUnetWeights(*model, unetWeights) : model;
    return out;
}

}  // namespace tessera::engine
