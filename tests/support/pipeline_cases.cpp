#include "tests/support/pipeline_cases.h"

#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <stdexcept>

namespace tessera::test {
namespace {

QJsonObject pipelinesJson() {
    QFile f(QString::fromStdString(refdataPath("cases/pipelines.json")));
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + refdataPath("cases/pipelines.json"));
    return QJsonDocument::fromJson(f.readAll()).object();
}

}  // namespace

void PrintTo(const PipelineCase& c, std::ostream* os) { *os << c.name; }

std::vector<PipelineCase> loadPipelineCases() {
    std::vector<PipelineCase> out;
    for (const auto& v : pipelinesJson().value("cases").toArray()) {
        const QJsonObject o = v.toObject();
        PipelineCase c;
        c.name = o.value("name").toString().toStdString();
        c.model = o.value("model").toString().toStdString();
        c.sampler = o.value("sampler").toString().toStdString();
        c.scheduler = o.value("scheduler").toString().toStdString();
        c.steps = o.value("steps").toInt();
        c.denoise = o.value("denoise").toDouble();
        c.cfg = o.value("cfg").toDouble();
        c.seed = o.value("seed").toInteger();
        c.empty = o.value("empty").toBool();
        c.mask = o.value("mask").toBool();
        if (o.contains("control")) {
            const QJsonObject ctl = o.value("control").toObject();
            c.control = true;
            c.controlStrength = ctl.value("strength").toDouble();
            c.controlStart = ctl.value("start_percent").toDouble();
            c.controlEnd = ctl.value("end_percent").toDouble();
        }
        out.push_back(c);
    }
    return out;
}

std::string pipelinePrompt() { return pipelinesJson().value("prompt").toString().toStdString(); }
std::string pipelineNegative() { return pipelinesJson().value("negative").toString().toStdString(); }

const std::map<std::string, at::Tensor>& pipelineGolden() {
    static const auto tensors = loadCase("pipelines.safetensors");
    return tensors;
}

}  // namespace tessera::test
