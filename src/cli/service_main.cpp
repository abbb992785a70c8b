// imgmeta-service: the subcommands extract, serve and upload. The imgmeta executable (main.cpp)
// runs `extract` itself, execs imgmeta-lambda (lambda_main.cpp) for `lambda` and this one for
// the rest.
#include <iostream>
#include <vector>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"imgmeta: image metadata extraction and the service around it"};
  app.set_version_flag("--version", std::string("imgmeta ") + IMGMETA_VERSION);
  app.require_subcommand(1);

  std::vector<std::pair<CLI::App*, imgmeta::cli::Command>> commands;
  auto add = [&](imgmeta::cli::Command (*make)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    auto run = make(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(run));
  };
  add(imgmeta::cli::add_extract_command);
  add(imgmeta::cli::add_serve_command);
  add(imgmeta::cli::add_upload_command);
  app.footer("imgmeta lambda: the AWS Lambda custom runtime, run by the imgmeta-lambda executable "
             "(imgmeta lambda --help)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, whatever CLI11's own code.
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : commands)
    if (sub->parsed()) return run();
  return 2;
}
