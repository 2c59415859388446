#include "app/cli/cli_options.h"

#include "core/common/error.h"

namespace tessera::cli {

std::string usage() {
    return "usage:\n"
           "  tessera run FILE [--set NODE.INPUT=VALUE]... [--sweep NODE.INPUT=VALUES]... [--no-sweep]\n"
           "                   [--models DIR]... [--input DIR] [--output DIR]\n"
           "                   [--previews DIR] [--preview-method auto|latent2rgb|taesd|none]\n"
           "                   [--device auto|cpu|cuda] [--precision auto|fp32|fp16|bf16] [--threads N] [--quiet]\n"
           "                   [--server URL [--token T]]   (run on a ComfyUI or `tessera serve` backend)\n"
           "  tessera validate FILE [--models DIR]... [--input DIR] [--sweep NODE.INPUT=VALUES]... (checks every sweep value too)\n"
           "  tessera pack FILE -o OUT.tessera [--input DIR] [--sweep NODE.INPUT=VALUES]...\n"
           "                   (a graph and its input images in one file, with a sweep to run)\n"
           "  tessera convert MODEL -o OUT.safetensors   (a .ckpt/.pt/.pth/.bin pickle, read without running code)\n"
           "  tessera export FILE -o OUT.json [--as workflow|prompt]   (for ComfyUI: its editor's workflow, default,\n"
           "                   or its API prompt)\n"
           "  tessera nodes\n"
           "  tessera serve [--listen ADDR] [--port N] [--models DIR]... [--input DIR] [--output DIR] [--token T]\n"
           "                [--max-queue N] [--device ...] [--precision ...] [--preview-method ...] [--threads N]\n"
           "                (ComfyUI's HTTP + WebSocket API; default 127.0.0.1:8188, port 0 picks a free one)\n"
           "  tessera --version\n"
           "FILE: a .tessera bundle, a graph.json, a ComfyUI workflow or API prompt JSON, or a PNG with an embedded graph.\n"
           "Models folders: --models, then $TESSERA_MODELS (':'-separated), then ~/.local/share/tessera/models.\n"
           "Sweeps: one or two --sweep axes run the graph once per cell of the grid; VALUES is a range a:b:step\n"
           "  (0.3:0.9:0.15), a list (4,7,10 or euler,heun) or, for text, variants split by '|' (a cat|a dog).\n"
           "  Every cell's images and a labelled contact sheet go to the output folder.\n"
           "Previews (auto): TAESD when vae_approx/taesd_decoder.safetensors is in a models folder, else latent2rgb.\n";
}

CliOptions parseCommandLine(const std::vector<std::string>& args) {
    CliOptions o;
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        o.command = "help";
        return o;
    }
    if (args[0] == "--version" || args[0] == "version") {
        o.command = "version";
        return o;
    }
    o.command = args[0];
    if (o.command != "run" && o.command != "validate" && o.command != "nodes" && o.command != "pack" &&
        o.command != "convert" && o.command != "export" && o.command != "serve")
        throw Error("unknown command '" + o.command + "'\n" + usage());
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw Error("option " + a + " needs a value\n" + usage());
            return args[++i];
        };
        if (a == "--set") o.overrides.push_back(value());
        else if (a == "--sweep") o.sweeps.push_back(value());
        else if (a == "--no-sweep") o.noSweep = true;
        else if (a == "--models") o.modelDirs.push_back(value());
        else if (a == "--input") o.inputDir = value();
        else if (a == "--output") o.outputDir = value();
        else if (a == "--previews") o.previewsDir = value();
        else if (a == "-o" || a == "--out") o.packOutput = value();
        else if (a == "--as") {
            o.exportAs = value();
            if (o.exportAs != "workflow" && o.exportAs != "prompt")
                throw Error("--as expects workflow or prompt, got '" + o.exportAs + "'");
        }
        else if (a == "--device") o.device = value();
        else if (a == "--precision") o.precision = value();
        else if (a == "--preview-method") {
            o.previewMethod = value();
            if (o.previewMethod != "auto" && o.previewMethod != "latent2rgb" && o.previewMethod != "taesd" &&
                o.previewMethod != "none")
                throw Error("--preview-method expects auto, latent2rgb, taesd or none, got '" + o.previewMethod + "'");
        }
        else if (a == "--threads" || a == "--port" || a == "--max-queue") {
            const std::string& v = value();
            int n = 0;
            try {
                size_t used = 0;
                n = std::stoi(v, &used);
                if (used != v.size()) throw Error("");
            } catch (...) {
                throw Error(a + " expects a number, got '" + v + "'");
            }
            (a == "--threads" ? o.threads : a == "--port" ? o.port : o.maxQueue) = n;
        }
        else if (a == "--listen") o.listen = value();
        else if (a == "--server") o.server = value();
        else if (a == "--token") o.token = value(); else if (a == "--quiet" || a == "-q") o.quiet = true;
        else if (!a.empty() && a[0] == '-') throw Error("unknown option " + a + "\n" + usage());
        else if (o.file.empty()) o.file = a;
        else throw Error("unexpected argument '" + a + "'\n" + usage());
    }
    if (o.sweeps.size() > 2) throw Error("a sweep has one or two axes; --sweep was given " + std::to_string(o.sweeps.size()) + " times");
    if (o.noSweep && !o.sweeps.empty()) throw Error("--no-sweep and --sweep contradict each other");
    if (o.command == "pack" && o.packOutput.empty()) throw Error("tessera pack needs -o OUT.tessera\n" + usage());
    if (o.command == "convert" && (o.file.empty() || o.packOutput.empty()))
        throw Error("tessera convert needs a model file and -o OUT.safetensors\n" + usage());
    if (o.command == "export" && (o.file.empty() || o.packOutput.empty()))
        throw Error("tessera export needs a graph file and -o OUT.json\n" + usage());
    if ((o.command == "run" || o.command == "validate" || o.command == "pack") && o.file.empty())
        throw Error("tessera " + o.command + " needs a graph file\n" + usage());
    return o;
}

}  // namespace tessera::cli
