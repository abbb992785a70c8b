// Each subcommand of the imgmeta binary registers itself on the CLI11 app; the returned
// function runs it once parsing succeeded.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace imgmeta::cli {

using Command = std::function<int()>;

Command add_extract_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_upload_command(CLI::App& app);  // src/cli/upload_command.cpp
Command add_lambda_command(CLI::App& app);  // src/lambda/lambda_command.cpp

// The main of an executable that runs one subcommand (imgmeta's extract, imgmeta-lambda):
// --help and --version exit 0, every usage error 2, as imgmeta-service does.
inline int run_single_command(const char* description, Command (*add)(CLI::App&), int argc, char** argv) {
  CLI::App app{description};
  app.require_subcommand(1);
  Command run = add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return run();
}

}  // namespace imgmeta::cli
