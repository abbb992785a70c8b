// name_this_thread: the calling thread's name as `top -H`, `ps -L`, perf and
// /proc/<pid>/task/<tid>/comm show it (Linux keeps 15 bytes; longer names are cut).
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace imgmeta::meta {

inline void name_this_thread(std::string_view name) {
  std::string kept(name.substr(0, 15));
  (void)pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace imgmeta::meta
