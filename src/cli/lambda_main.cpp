// imgmeta-lambda: `imgmeta lambda` alone, the executable the Lambda packages run. It links the
// AWS adapters and the handlers but not the local server, and in the dev and release builds it
// takes every dependency but glibc from its static archive (src/cli/CMakeLists.txt), so a cold
// start maps three shared objects instead of eleven.
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"imgmeta lambda: the AWS Lambda custom runtime"};
  app.require_subcommand(1);
  imgmeta::cli::Command run = imgmeta::cli::add_lambda_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // as imgmeta-service: usage errors exit 2
  }
  return run();
}
