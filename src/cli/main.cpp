// imgmeta: the command people run. `imgmeta extract` is served here, by an executable that
// links only the extractor; `lambda` is handed to imgmeta-lambda and every other subcommand
// (serve, upload, and the full --help) to imgmeta-service, the executables beside this one,
// by exec with the same arguments - the way git runs its git-* commands. So reading a file's
// metadata never pays for loading OpenSSL, SQLite, libsodium and friends, and the Lambda never
// loads the local server.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/commands.hpp"

namespace {

constexpr const char* kServiceExecutable = "imgmeta-service";
constexpr const char* kLambdaExecutable = "imgmeta-lambda";

std::string directory_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? "." : std::string(path.substr(0, slash));
}

// This executable's directory: /proc/self/exe (symlinks resolved), unless the process is the
// dynamic loader run by hand (`ld-linux-x86-64.so.2 bin/imgmeta ...`), where argv[0] says it.
std::string own_directory(const char* argv0) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string exe(buf, static_cast<size_t>(n));
    std::string_view base = std::string_view(exe).substr(exe.rfind('/') + 1);
    if (!base.starts_with("ld-")) return directory_of(exe);
  }
  return directory_of(argv0 ? argv0 : "");
}

int run_beside(const char* executable, char** argv) {
  std::string path = own_directory(argv[0]) + "/" + executable;
  ::execv(path.c_str(), argv);  // argv[0] stays "imgmeta": ps and pgrep show what was typed
  int e = errno;
  std::cerr << "imgmeta: " << (argv[1] ? argv[1] : "this command") << " needs " << path << ": "
            << std::strerror(e) << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view command = argc >= 2 ? argv[1] : "";
  if (command == "extract")
    return imgmeta::cli::run_single_command("imgmeta: image metadata extraction and the service around it",
                                            imgmeta::cli::add_extract_command, argc, argv);
  return run_beside(command == "lambda" ? kLambdaExecutable : kServiceExecutable, argv);
}
