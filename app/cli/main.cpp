// tessera: runs, checks and lists node graphs headless.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "core/common/error.h"
#include "core/common/version.h"
#include "core/plugin/plugin_loader.h"
#include "nodes/builtin_nodes.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        const tessera::cli::CliOptions options = tessera::cli::parseCommandLine(args);
        if (options.command == "help") {
            std::printf("Tessera %s: node-graph diffusion for image-to-image work\n%s", tessera::versionString(),
                        tessera::cli::usage().c_str());
            return 0;
        }
        if (options.command == "version") {
            std::printf("tessera %s\n", tessera::versionString());
            return 0;
        }
        if (options.command == "convert") return tessera::cli::convertCommand(options);
        tessera::Registry registry;
        tessera::nodes::registerBuiltinNodes(registry);
        // A broken plugin is named and skipped; the command goes on with the rest.
        for (const auto& problem : tessera::loadPlugins(registry, tessera::pluginDirs()).problems)
            std::fprintf(stderr, "tessera: plugin skipped: %s\n", problem.c_str());
        if (options.command == "nodes") return tessera::cli::nodesCommand(registry);
        if (options.command == "pack") return tessera::cli::packCommand(options, registry);
        if (options.command == "export") return tessera::cli::exportCommand(options, registry);
        if (options.command == "serve") return tessera::cli::serveCommand(options, registry);
        if (options.command == "validate") return tessera::cli::validateCommand(options, registry);
        return tessera::cli::runCommand(options, registry);
    } catch (const tessera::Error& e) {
        std::fprintf(stderr, "tessera: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tessera: unexpected error: %s\n", e.what());
        return 2;
    }
}
