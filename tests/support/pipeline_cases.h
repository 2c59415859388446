#pragma once
// The whole-pipeline cases of refdata/cases/pipelines.json, and their golden tensors.
#include <ATen/core/Tensor.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace tessera::test {

struct PipelineCase {
    std::string name, model, sampler, scheduler;
    int steps = 0;
    double denoise = 1, cfg = 1;
    int64_t seed = 0;
    bool empty = false, mask = false, control = false;
    double controlStrength = 1, controlStart = 0, controlEnd = 1;
};
void PrintTo(const PipelineCase& c, std::ostream* os);

std::vector<PipelineCase> loadPipelineCases();
std::string pipelinePrompt();    // the positive prompt shared by every case
std::string pipelineNegative();  // the negative prompt
const std::map<std::string, at::Tensor>& pipelineGolden();  // pipelines.safetensors

}  // namespace tessera::test
