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

}  // namespace imgmeta::cli
