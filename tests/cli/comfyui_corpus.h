#pragma once
// The published ComfyUI workflows of tests/cli/data/comfyui_corpus (sources in SOURCES.md), what
// Tessera does with each of them today, and the models folder and input images they expect.
#include "core/graph/registry.h"

#include <QByteArray>

#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tessera::test {

struct CorpusCase {
    std::string file;
    std::set<std::string> unknownTypes;    // what Tessera does not have yet
    bool validates;                        // with every model in place
    std::vector<std::string> problems;     // otherwise: each validation problem contains one of these
    size_t nodes;                          // as imported (Reroutes and PrimitiveNodes dissolved)
    // Shrunk for a test run (tests/cli/shrunk_workflow.h): width x height of the picture each output
    // node writes, by node id; empty when the workflow does not run, and `notRun` says why.
    std::vector<std::pair<int, int>> pictures;
    std::string notRun;
};

// GoogleTest names a failing case by its file instead of dumping its bytes.
void PrintTo(const CorpusCase& c, std::ostream* os);

const std::vector<CorpusCase>& comfyuiCorpus();
// Every builtin node.
const Registry& corpusRegistry();
// Every model name the corpus uses, holding the tiny reference model of the same kind in the file's
// own format (a .ckpt is a pickled Lightning checkpoint, a .pth an RRDBNet pickle).
const std::string& corpusModelsDir();
// Every input image the corpus loads: 64x64 RGBA, transparent in a square (the LoadImage mask).
const std::string& corpusInputDir();
QByteArray readCorpusWorkflow(const std::string& name);

}  // namespace tessera::test
