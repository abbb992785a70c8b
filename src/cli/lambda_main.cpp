// imgmeta-lambda: `imgmeta lambda` alone, the executable the Lambda packages run. It links the
// AWS adapters and the handlers but not the local server, and in the dev and release builds it
// takes every dependency but glibc from its static archive (src/cli/CMakeLists.txt), so a cold
// start maps three shared objects instead of eleven.
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return imgmeta::cli::run_single_command("imgmeta lambda: the AWS Lambda custom runtime", imgmeta::cli::add_lambda_command,
                                          argc, argv);
}
