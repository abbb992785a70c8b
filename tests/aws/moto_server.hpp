// Starts moto_server on 127.0.0.1 on a free port for the tests of one binary and stops it
// afterwards (shared/docs/aws-local-testing.md section 1). Any credentials work; every
// request must still be signed, since moto picks the service from the credential scope.
#pragma once

#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "aws/http_client.hpp"

extern char** environ;

namespace imgmeta::testing {

class MotoServer {
 public:
  MotoServer() {
    char tmpl[] = "/tmp/imgmeta-moto-XXXXXX";
    dir_ = mkdtemp(tmpl);
    log_ = dir_ + "/moto.log";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const char* argv[] = {"moto_server", "-H", "127.0.0.1", "-p", "0", nullptr};
    if (posix_spawnp(&pid_, "moto_server", &fa, nullptr, const_cast<char**>(argv), environ) != 0)
      throw std::runtime_error("cannot start moto_server");
    posix_spawn_file_actions_destroy(&fa);
    std::regex port_re("Running on http://127\\.0\\.0\\.1:([0-9]+)");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(log_);
      std::stringstream ss;
      ss << in.rdbuf();
      std::smatch m;
      std::string text = ss.str();
      if (std::regex_search(text, m, port_re)) {
        port_ = std::stoi(m[1]);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!port_) throw std::runtime_error("moto_server did not report its port; see " + log_);
    aws::HttpClient http;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = http.send({"GET", url() + "/moto-api/"});
      if (r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("moto_server not ready");
  }
  ~MotoServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    std::remove(log_.c_str());
    rmdir(dir_.c_str());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void reset() const {
    aws::HttpClient http;
    (void)http.send({"POST", url() + "/moto-api/reset"});
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_, log_;
};

// One server for the whole test binary.
inline MotoServer& moto() {
  static MotoServer server;
  return server;
}

}  // namespace imgmeta::testing
