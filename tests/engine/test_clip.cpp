#include "core/common/error.h"
#include "core/common/strings.h"
#include "core/engine/text/clip_text_layout.h"
#include "core/engine/text/clip_text_model.h"
#include "core/engine/text/clip_tokenizer.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/text/textual_inversion.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <QJsonArray>
#include <QJsonDocument>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace tessera;
using namespace tessera::engine;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const ClipTokenizer> sharedTokenizer() {
    return ClipTokenizer::shared(test::refdataPath("bpe_simple_vocab_16e6.txt.gz"));
}

const TextEncoder& sd15Encoder() {
    static const TextEncoder enc = TextEncoder::fromCheckpoint(
        *SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors")), sharedTokenizer());
    return enc;
}

const TextEncoder& sd2() {
    static const TextEncoder enc = TextEncoder::fromCheckpoint(
        *SafetensorsFile::open(test::refdataPath("models/tiny-sd2-v.safetensors")), sharedTokenizer());
    return enc;
}

std::vector<std::string> caseTexts(const std::string& caseName) {
    auto file = SafetensorsFile::open(test::refdataPath("cases/" + caseName));
    const auto& meta = file->metadata();
    if (auto it = meta.find("text"); it != meta.end()) return {it->second};
    std::vector<std::string> out;
    for (const QJsonValue& v : QJsonDocument::fromJson(QByteArray::fromStdString(meta.at("texts"))).array())
        out.push_back(v.toString().toStdString());
    return out;
}

std::vector<int64_t> chunkIds(const std::vector<PromptChunk>& chunks) {
    std::vector<int64_t> out;
    for (const PromptChunk& c : chunks)
        for (const PromptToken& t : c) out.push_back(t.id);
    return out;
}

std::vector<int64_t> rowIds(const at::Tensor& tokens, int64_t begin, int64_t end) {
    at::Tensor t = tokens.slice(0, begin, end).contiguous().to(at::kLong);
    return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

using tessera::test::errorOf;

int singleTokenId(const std::string& word) {
    const std::vector<int> ids = sharedTokenizer()->encode(word);
    EXPECT_EQ(ids.size(), 1u) << word;
    return ids.at(0);
}

at::Tensor tokenEmbeddingRow(int id) {
    return sd15Encoder().model().weights()("embeddings.token_embedding.weight")[id].clone();
}

}  // namespace

TEST(ClipTextModel, InfersConfigFromShapes) {
    const ClipTextConfig& a = sd15Encoder().model().config();
    EXPECT_EQ(a.width, 64);
    EXPECT_EQ(a.layers, 3);
    EXPECT_EQ(a.heads, 4);
    EXPECT_EQ(a.vocab, 49408);
    EXPECT_EQ(a.positions, 77);
    EXPECT_EQ(a.act, ClipTextConfig::QuickGelu);
    EXPECT_EQ(a.naming, ClipTextConfig::HuggingFace);
    const ClipTextConfig& b = sd2().model().config();
    EXPECT_EQ(b.width, 64);
    EXPECT_EQ(b.layers, 3);
    EXPECT_EQ(b.heads, 4);
    EXPECT_EQ(b.act, ClipTextConfig::Gelu);
    EXPECT_EQ(b.naming, ClipTextConfig::OpenClip);
    EXPECT_EQ(ClipTextConfig::defaultHeads(768), 12);
    EXPECT_EQ(ClipTextConfig::defaultHeads(1024), 16);
    EXPECT_EQ(ClipTextConfig::defaultHeads(1280), 20);
}

TEST(ClipTextModel, Sd15LastAndPenultimateMatchGoldenBatch) {
    auto golden = test::loadCase("clip-sd15.safetensors");
    const ClipTextModel& m = sd15Encoder().model();
    EXPECT_MATCHES_REFERENCE(m.forward(golden.at("tokens"), -1), golden.at("last"));
    EXPECT_MATCHES_REFERENCE(m.forward(golden.at("tokens"), -2), golden.at("penultimate"));
    // Beyond the layer count means "last", as ComfyUI's set_clip_options.
    EXPECT_MATCHES_REFERENCE(m.forward(golden.at("tokens"), -10), golden.at("last"));
    EXPECT_TRUE(contains(errorOf([&] { m.forward(golden.at("tokens"), 0); }), "-1"));
}

TEST(TextEncoder, Sd15PromptsMatchGoldenTokensAndOutputs) {
    auto golden = test::loadCase("clip-sd15.safetensors");
    const std::vector<std::string> texts = caseTexts("clip-sd15.safetensors");
    ASSERT_EQ(texts.size(), 2u);
    TextEncoder skip2 = sd15Encoder();
    skip2.setLastLayer(-2);
    for (int64_t i = 0; i < 2; ++i) {
        const std::string& text = texts[static_cast<size_t>(i)];
        EXPECT_EQ(chunkIds(sd15Encoder().tokenize(text)), rowIds(golden.at("tokens"), i, i + 1)) << text;
        EXPECT_MATCHES_REFERENCE(sd15Encoder().encode(text), golden.at("last").slice(0, i, i + 1));
        EXPECT_MATCHES_REFERENCE(sd15Encoder().encode(text, -2), golden.at("penultimate").slice(0, i, i + 1));
        EXPECT_MATCHES_REFERENCE(skip2.encode(text), golden.at("penultimate").slice(0, i, i + 1));
        EXPECT_MATCHES_REFERENCE(skip2.encode(text, -1), golden.at("last").slice(0, i, i + 1));
    }
}

TEST(TextEncoder, Sd15LongPromptIsChunkedAndConcatenated) {
    auto golden = test::loadCase("clip-sd15-long.safetensors");
    const std::string text = caseTexts("clip-sd15-long.safetensors").at(0);
    EXPECT_EQ(chunkIds(sd15Encoder().tokenize(text)), rowIds(golden.at("tokens"), 0, 2));
    const at::Tensor context = sd15Encoder().encode(text);
    EXPECT_EQ(context.sizes(), (at::IntArrayRef{1, 154, 64}));
    EXPECT_MATCHES_REFERENCE(context, golden.at("last").reshape({1, 154, 64}));
}

TEST(TextEncoder, Sd2PenultimateWithZeroPaddingMatchesGolden) {
    auto golden = test::loadCase("clip-sd2.safetensors");
    const std::vector<std::string> texts = caseTexts("clip-sd2.safetensors");
    ASSERT_EQ(texts.size(), 2u);
    EXPECT_EQ(sd2().lastLayer(), -2);
    for (int64_t i = 0; i < 2; ++i) {
        const std::string& text = texts[static_cast<size_t>(i)];
        EXPECT_EQ(chunkIds(sd2().tokenize(text)), rowIds(golden.at("tokens"), i, i + 1)) << text;
        EXPECT_MATCHES_REFERENCE(sd2().encode(text), golden.at("penultimate").slice(0, i, i + 1));
    }
    EXPECT_MATCHES_REFERENCE(sd2().model().forward(golden.at("tokens"), -2), golden.at("penultimate"));
}

TEST(TextEncoder, WeightsFollowComfyFormula) {
    const TextEncoder& enc = sd15Encoder();
    const at::Tensor weighted = enc.encode("a (cat:1.5) photo, ((blue))");
    const at::Tensor plain = enc.encode("a cat photo, blue");
    const at::Tensor empty = enc.encode("");
    // Tokens: BOS a cat photo , blue EOS ...: cat (position 2) x1.5, blue (position 5) x1.21.
    at::Tensor w = at::ones({1, 77, 1});
    w[0][2][0] = 1.5;
    w[0][5][0] = 1.1 * 1.1;
    const at::Tensor expected = (plain - empty) * w + empty;
    EXPECT_MATCHES_REFERENCE(weighted, expected);
    EXPECT_GT((weighted - plain).abs().max().item<double>(), 1e-3);  // the weights did something
    // Unweighted positions keep the plain encoding (up to batching round-off).
    EXPECT_MATCHES_REFERENCE(weighted.slice(1, 6, 77), plain.slice(1, 6, 77));
}

TEST(TextEncoder, EmbeddingVectorsReplaceExactlyTheirTokens) {
    const std::string dir = test::makeTempDir("embeddings");
    fs::create_directories(dir + "/styles");
    // An embedding whose two vectors are the token embeddings of "red" and "fox" must encode
    // exactly like the words themselves, at the same positions.
    const at::Tensor redFox = at::stack({tokenEmbeddingRow(singleTokenId("red")), tokenEmbeddingRow(singleTokenId("fox"))});
    writeSafetensors(dir + "/styles/redfox.safetensors", {{"emb_params", redFox}});
    EmbeddingFolders folders({dir});
    const TextEncoder& enc = sd15Encoder();
    EXPECT_MATCHES_REFERENCE(enc.encode("a embedding:redfox cat", 0, &folders), enc.encode("a red fox cat"));
    EXPECT_MATCHES_REFERENCE(enc.encode("a embedding:redfox.safetensors cat", 0, &folders), enc.encode("a red fox cat"));
    EXPECT_MATCHES_REFERENCE(enc.encode("a embedding:redfox, cat", 0, &folders), enc.encode("a red fox , cat"));

    // Random vectors: positions before them are untouched (causal attention), theirs change.
    writeSafetensors(dir + "/random.safetensors", {{"emb_params", at::randn({2, 64}) * 0.5}});
    const at::Tensor withEmb = enc.encode("a embedding:random cat", 0, &folders);
    const at::Tensor withoutEmb = enc.encode("a cat");
    EXPECT_TRUE(at::equal(withEmb.slice(1, 0, 2), withoutEmb.slice(1, 0, 2)));
    EXPECT_GT((withEmb.slice(1, 2, 4) - withoutEmb.slice(1, 2, 4)).abs().max().item<double>(), 1e-3);
    const auto chunks = enc.tokenize("a (embedding:random:1.2) cat", &folders);
    EXPECT_EQ(chunks[0][2].id, -1);
    EXPECT_EQ(chunks[0][3].id, -1);
    EXPECT_DOUBLE_EQ(chunks[0][2].weight, 1.2);
    EXPECT_DOUBLE_EQ(chunks[0][3].weight, 1.2);
    EXPECT_EQ(chunks[0][4].id, singleTokenId("cat"));

    // Other layouts: A1111's string_to_param.*, and a "clip_l" entry beside others.
    writeSafetensors(dir + "/a1111.safetensors", {{"string_to_param.*", redFox}});
    writeSafetensors(dir + "/multi.safetensors", {{"clip_g", at::zeros({2, 1280})}, {"clip_l", redFox}});
    EXPECT_MATCHES_REFERENCE(enc.encode("a embedding:a1111 cat", 0, &folders), enc.encode("a red fox cat"));
    EXPECT_MATCHES_REFERENCE(enc.encode("a embedding:multi cat", 0, &folders), enc.encode("a red fox cat"));
    fs::remove_all(dir);
}

TEST(TextEncoder, EmbeddingErrorsNameTheEmbedding) {
    const std::string dir = test::makeTempDir("embeddings-bad");
    writeSafetensors(dir + "/narrow.safetensors", {{"emb_params", at::zeros({2, 32})}});
    writeSafetensors(dir + "/odd.safetensors", {{"a", at::zeros({2, 64})}, {"b", at::zeros({2, 64})}});
    std::ofstream(dir + "/pickled.pt") << "not really a pickle";
    EmbeddingFolders folders({dir});
    const TextEncoder& enc = sd15Encoder();

    std::string msg = errorOf([&] { enc.encode("embedding:narrow", 0, &folders); });
    EXPECT_TRUE(contains(msg, "'narrow'") && contains(msg, "width 64") && contains(msg, "[2, 32]")) << msg;
    msg = errorOf([&] { enc.encode("a embedding:nowhere cat", 0, &folders); });
    EXPECT_TRUE(contains(msg, "'nowhere'") && contains(msg, dir)) << msg;
    msg = errorOf([&] { enc.encode("embedding:pickled", 0, &folders); });
    EXPECT_TRUE(contains(msg, "'pickled'") && contains(msg, "pickled.pt") && contains(msg, "not a PyTorch checkpoint")) << msg;
    msg = errorOf([&] { enc.encode("embedding:odd", 0, &folders); });
    EXPECT_TRUE(contains(msg, "'odd'") && contains(msg, "emb_params")) << msg;
    fs::remove_all(dir);

    // Names cannot leave the embeddings folder.
    const std::string root = test::makeTempDir("embeddings-escape");
    fs::create_directories(root + "/embeddings");
    writeSafetensors(root + "/outside.safetensors", {{"emb_params", at::zeros({1, 64})}});
    EmbeddingFolders inner({root + "/embeddings"});
    msg = errorOf([&] { enc.encode("embedding:../outside", 0, &inner); });
    EXPECT_TRUE(contains(msg, "unknown") && contains(msg, "'../outside'")) << msg;
    fs::remove_all(root);
}

TEST(TextEncoder, RejectsFilesWithoutTextEncoder) {
    auto vae = SafetensorsFile::open(test::refdataPath("models/tiny-vae.safetensors"));
    const std::string msg = errorOf([&] { TextEncoder::fromCheckpoint(*vae, sharedTokenizer()); });
    EXPECT_TRUE(contains(msg, "tiny-vae.safetensors") && contains(msg, "text encoder")) << msg;
    TextEncoder enc = sd15Encoder();
    EXPECT_THROW(enc.setLastLayer(0), Error);
}

TEST(TextEncoder, EncodeTimingOnTinyModel) {
    const TextEncoder& enc = sd15Encoder();
    const std::string prompt = "a watercolor painting of a (cat:1.2), highly detailed";
    enc.encode(prompt);  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    const int runs = 20;
    at::Tensor out;
    for (int i = 0; i < runs; ++i) out = enc.encode(prompt);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / runs;
    std::cout << "[ timing ] tiny-sd15 encode (weighted prompt): " << ms << " ms\n";
    RecordProperty("encode_ms", std::to_string(ms));
    EXPECT_EQ(out.sizes(), (at::IntArrayRef{1, 77, 64}));
}

// The shape list the SD1.5 benchmark builds its CLIP-L from is exactly the layout of a real file.
TEST(ClipTextLayout, ShapeListMatchesEveryTensorOfTheTinyCheckpoint) {
    auto file = SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors"));
    const std::string prefix = "cond_stage_model.transformer.text_model.";
    const Weights w = Weights::fromFile(*file, prefix);
    const ClipTextConfig config = ClipTextConfig::infer(w, ClipTextConfig::HuggingFace);
    std::map<std::string, std::vector<int64_t>> stored;
    for (const auto& e : file->entries())
        if (e.name.rfind(prefix, 0) == 0 && e.name != prefix + "embeddings.position_ids")
            stored[e.name.substr(prefix.size())] = e.shape;
    EXPECT_EQ(clipTextParameterShapes(config), stored);
    const ClipTextConfig l = clipLConfig();
    EXPECT_EQ(clipTextParameterShapes(l).size(), 2 + 16 * 12 + 2u);
    EXPECT_EQ(clipTextParameterShapes(l).at("encoder.layers.11.mlp.fc1.weight"), (std::vector<int64_t>{3072, 768}));
    EXPECT_EQ(clipTextParameterShapes(l).at("embeddings.token_embedding.weight"), (std::vector<int64_t>{49408, 768}));
}
