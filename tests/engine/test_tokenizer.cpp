#include "core/common/error.h"
#include "core/engine/text/clip_tokenizer.h"
#include "tests/support/refdata.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace tessera;
using namespace tessera::engine;
namespace fs = std::filesystem;

namespace {

std::string vocabPath() { return test::refdataPath("bpe_simple_vocab_16e6.txt.gz"); }

const ClipTokenizer& tokenizer() { return *ClipTokenizer::shared(vocabPath()); }

std::string gunzip(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    std::string out;
    char buf[1 << 16];
    int n = 0;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    gzclose(f);
    return out;
}

struct TokenizerCase {
    std::string text;
    std::vector<int> ids;
};

std::vector<TokenizerCase> goldenCases() {
    QFile f(QString::fromStdString(test::refdataPath("cases/tokenizer.json")));
    EXPECT_TRUE(f.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
    std::vector<TokenizerCase> out;
    for (const QJsonValue& c : root["cases"].toArray()) {
        TokenizerCase tc{c["text"].toString().toStdString(), {}};
        for (const QJsonValue& id : c["bpe_ids"].toArray()) tc.ids.push_back(id.toInt());
        out.push_back(std::move(tc));
    }
    return out;
}

void expectAllGoldenCases(const ClipTokenizer& tok) {
    const auto cases = goldenCases();
    ASSERT_EQ(cases.size(), 13u);
    for (const TokenizerCase& c : cases) EXPECT_EQ(tok.encode(c.text), c.ids) << "prompt: '" << c.text << "'";
}

// Restores TESSERA_CLIP_VOCAB when a test is done with it.
struct VocabEnvGuard {
    std::optional<std::string> saved;
    VocabEnvGuard() {
        if (const char* v = std::getenv("TESSERA_CLIP_VOCAB")) saved = v;
        unsetenv("TESSERA_CLIP_VOCAB");
    }
    ~VocabEnvGuard() {
        if (saved) setenv("TESSERA_CLIP_VOCAB", saved->c_str(), 1);
        else unsetenv("TESSERA_CLIP_VOCAB");
    }
};

}  // namespace

TEST(ClipTokenizer, MatchesEveryGoldenCase) { expectAllGoldenCases(tokenizer()); }

TEST(ClipTokenizer, LoadsQuicklyAndIsCachedPerPath) {
    const auto t0 = std::chrono::steady_clock::now();
    ClipTokenizer fresh = ClipTokenizer::fromFile(vocabPath());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "[ timing ] CLIP vocabulary load (uncached): " << ms << " ms\n";
    RecordProperty("vocab_load_ms", std::to_string(ms));
    EXPECT_EQ(fresh.vocabularySize(), 49408);
    EXPECT_EQ(fresh.tokenId("<|startoftext|>"), ClipTokenizer::kStartOfText);
    EXPECT_EQ(fresh.tokenId("<|endoftext|>"), ClipTokenizer::kEndOfText);
    EXPECT_EQ(fresh.token(320), "a</w>");
    EXPECT_EQ(ClipTokenizer::shared(vocabPath()).get(), ClipTokenizer::shared(vocabPath()).get());
}

TEST(ClipTokenizer, ReadsUncompressedVocabulary) {
    const std::string dir = test::makeTempDir("vocab-txt");
    const std::string txt = dir + "/bpe_simple_vocab_16e6.txt";
    std::ofstream(txt, std::ios::binary) << gunzip(vocabPath());
    expectAllGoldenCases(ClipTokenizer::fromFile(txt));
    fs::remove_all(dir);
}

TEST(ClipTokenizer, ReadsHuggingFaceVocabJsonAndMerges) {
    const std::string dir = test::makeTempDir("vocab-hf");
    const ClipTokenizer& ref = tokenizer();
    // vocab.json written directly: QJsonObject insertion is quadratic for 49408 entries.
    std::ofstream vocab(dir + "/vocab.json", std::ios::binary);
    vocab << "{";
    for (int i = 0; i < ref.vocabularySize(); ++i) {
        std::string escaped;
        for (char c : ref.token(i)) {
            if (c == '"' || c == '\\') escaped += '\\';
            escaped += c;
        }
        vocab << (i ? "," : "") << '"' << escaped << "\":" << i;
    }
    vocab << "}";
    vocab.close();
    // merges.txt: the same merges as the openai file, under HF's version line.
    const std::string text = gunzip(vocabPath());
    std::ofstream merges(dir + "/merges.txt", std::ios::binary);
    merges << "#version: 0.2\n";
    size_t begin = text.find('\n') + 1;
    for (int i = 0; i < 49152 - 256 - 2; ++i) {
        const size_t end = text.find('\n', begin);
        merges << text.substr(begin, end - begin) << '\n';
        begin = end + 1;
    }
    merges.close();
    expectAllGoldenCases(ClipTokenizer::fromHuggingFace(dir + "/vocab.json", dir + "/merges.txt"));
    expectAllGoldenCases(ClipTokenizer::fromFile(dir + "/vocab.json"));  // merges.txt found beside it
    fs::remove_all(dir);
}

TEST(ClipTokenizer, CleansTextLikeClip) {
    const ClipTokenizer& tok = tokenizer();
    EXPECT_EQ(tok.encode("Fish &amp; Chips"), tok.encode("fish & chips"));
    EXPECT_EQ(tok.encode("a &#40;b&#41;"), tok.encode("a (b)"));
    EXPECT_EQ(tok.encode("don\u2019t \u201cquote\u201d"), tok.encode("don't \"quote\""));
    EXPECT_EQ(tok.encode("\uFF23\uFF21\uFF34\u3000\uFF11"), tok.encode("cat 1"));  // full-width forms
    EXPECT_EQ(tok.encode("\uFB01ne"), tok.encode("fine"));                         // ligature
    EXPECT_EQ(tok.encode("cafe\u0301"), tok.encode("caf\u00e9"));                   // NFC
    EXPECT_EQ(tok.encode("a\nb\r\n\x01" "c"), tok.encode("a b c"));
    EXPECT_EQ(tok.encode("x <|endoftext|>"), (std::vector<int>{tok.encode("x")[0], ClipTokenizer::kEndOfText}));
    EXPECT_TRUE(tok.encode(" \t\n ").empty());
}

TEST(ClipTokenizer, RefusesDamagedVocabulary) {
    const std::string dir = test::makeTempDir("vocab-bad");
    std::ofstream(dir + "/short.txt") << "version\na b\n";
    try {
        ClipTokenizer::fromFile(dir + "/short.txt");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("short.txt"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("incomplete"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ClipTokenizer::fromFile(dir + "/missing.txt.gz"), Error);
    fs::remove_all(dir);
}

TEST(ClipTokenizer, FindsVocabularyInDocumentedOrder) {
    VocabEnvGuard guard;
    const std::string root = test::makeTempDir("vocab-find");
    const fs::path modelsA = fs::path(root) / "modelsA", modelsB = fs::path(root) / "modelsB", data = fs::path(root) / "share";
    fs::create_directories(modelsA / "tokenizers");
    fs::create_directories(modelsB / "tokenizers");
    fs::create_directories(data);
    const std::vector<std::string> dirs{modelsA.string(), modelsB.string()};

    // Nothing anywhere: the message says which file goes where.
    try {
        ClipTokenizer::findVocabulary(dirs, data.string());
        FAIL() << "expected an error";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("bpe_simple_vocab_16e6.txt.gz"), std::string::npos) << msg;
        EXPECT_NE(msg.find((modelsA / "tokenizers").string()), std::string::npos) << msg;
        EXPECT_NE(msg.find((modelsB / "tokenizers").string()), std::string::npos) << msg;
        EXPECT_NE(msg.find(data.string()), std::string::npos) << msg;
        EXPECT_NE(msg.find("TESSERA_CLIP_VOCAB"), std::string::npos) << msg;
        EXPECT_NE(msg.find("vocab.json"), std::string::npos) << msg;
    }

    fs::create_symlink(vocabPath(), data / ClipTokenizer::kVocabFileName);
    EXPECT_EQ(ClipTokenizer::findVocabulary(dirs, data.string()), (data / ClipTokenizer::kVocabFileName).string());

    std::ofstream(modelsB / "tokenizers" / "vocab.json") << "{}";
    std::ofstream(modelsB / "tokenizers" / "merges.txt") << "";
    EXPECT_EQ(ClipTokenizer::findVocabulary(dirs, data.string()), (modelsB / "tokenizers" / "vocab.json").string());

    fs::create_symlink(vocabPath(), modelsB / "tokenizers" / ClipTokenizer::kVocabFileName);
    EXPECT_EQ(ClipTokenizer::findVocabulary(dirs, data.string()),
              (modelsB / "tokenizers" / ClipTokenizer::kVocabFileName).string());

    fs::create_symlink(vocabPath(), modelsA / "tokenizers" / ClipTokenizer::kVocabFileName);
    EXPECT_EQ(ClipTokenizer::findVocabulary(dirs, data.string()),
              (modelsA / "tokenizers" / ClipTokenizer::kVocabFileName).string());

    setenv("TESSERA_CLIP_VOCAB", vocabPath().c_str(), 1);
    EXPECT_EQ(ClipTokenizer::findVocabulary(dirs, data.string()), vocabPath());
    setenv("TESSERA_CLIP_VOCAB", (root + "/nope.txt.gz").c_str(), 1);
    try {
        ClipTokenizer::findVocabulary(dirs, data.string());
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("nope.txt.gz"), std::string::npos) << e.what();
    }
    fs::remove_all(root);
}
