#pragma once
// openai CLIP's byte-level BPE tokenizer (the one every SD1/SD2/SDXL text encoder uses).
//   auto tok = ClipTokenizer::shared(ClipTokenizer::findVocabulary({modelsDir}, dataDir));
//   std::vector<int> ids = tok->encode("a photo of a cat");   // BPE ids, no BOS/EOS
// Text is cleaned as CLIP does (see clip_text_cleanup.h), lower-cased, whitespace-collapsed,
// pre-tokenised with CLIP's regex and merged with the BPE ranks of the vocabulary.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tessera::engine {

class ClipTokenizer {
public:
    static constexpr int kStartOfText = 49406;
    static constexpr int kEndOfText = 49407;
    static constexpr const char* kVocabFileName = "bpe_simple_vocab_16e6.txt.gz";

    // openai's bpe_simple_vocab_16e6.txt(.gz): a version line, then merges. A path ending in
    // .json is taken as a Hugging Face vocab.json with merges.txt beside it.
    static ClipTokenizer fromFile(const std::string& path);
    // Hugging Face format (openai/clip-vit-large-patch14/{vocab.json,merges.txt}).
    static ClipTokenizer fromHuggingFace(const std::string& vocabJson, const std::string& mergesTxt);
    // Loads once per path and process; later calls return the same tokenizer.
    static std::shared_ptr<const ClipTokenizer> shared(const std::string& path);

    // Where the vocabulary is, in this order:
    //   1. $TESSERA_CLIP_VOCAB (a .txt.gz/.txt file or a vocab.json with merges.txt beside it)
    //   2. for each models dir: <dir>/tokenizers/bpe_simple_vocab_16e6.txt.gz, then
    //      <dir>/tokenizers/vocab.json + merges.txt
    //   3. <appDataDir>/bpe_simple_vocab_16e6.txt.gz (the copy installed with the application,
    //      <prefix>/share/tessera)
    // Throws tessera::Error naming the folders and files to put there when none exists.
    static std::string findVocabulary(const std::vector<std::string>& modelDirs, const std::string& appDataDir = {});

    std::vector<int> encode(const std::string& utf8Text) const;
    // Id of a vocabulary entry ("cat</w>"), -1 when absent (ComfyUI's whole-word shortcut).
    int tokenId(const std::string& entry) const;
    // The vocabulary entry of an id (byte-level unicode, UTF-8), empty when out of range.
    std::string token(int id) const;
    int vocabularySize() const { return static_cast<int>(decoder_.size()); }

    ClipTokenizer(ClipTokenizer&& other) noexcept;
    ClipTokenizer& operator=(ClipTokenizer&&) = delete;
    ClipTokenizer(const ClipTokenizer&) = delete;

private:
    ClipTokenizer();
    void buildByteEncoder();
    // BPE of one pre-token given as byte-level unicode characters (UTF-8 each); appends ids.
    void bpe(const std::vector<std::string>& symbols, std::vector<int>& out) const;

    std::vector<std::string> byteEncoder_;               // byte -> its unicode stand-in, UTF-8
    std::unordered_map<std::string, int> encoder_;       // vocabulary entry -> id
    std::vector<std::string> decoder_;                   // id -> vocabulary entry
    std::unordered_map<std::string, int> mergeRanks_;    // "first second" -> rank
    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<int>> cache_;  // pre-token -> ids
};

}  // namespace tessera::engine
