/* io_floor: the I/O floor for bench/extract. For each path listed (one per line, from the file
 * named on the command line or from stdin) it opens the file, preads its first 64 KiB (or
 * --bytes N) and closes it: the least any extractor that looks at a file's header can do.
 *
 *   io_floor [--bytes N] [LIST | -]
 *
 * Prints one line of key=value pairs on stdout (bench/extract parses it):
 *   files=285 ok=285 failed=0 bytes=9876543 seconds=0.0041 files_per_s=69512.2
 * Exit status 0 unless the list cannot be read or an argument is wrong. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  size_t want = 64 * 1024;
  const char* list = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) {
      char* end = NULL;
      unsigned long long n = strtoull(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || n == 0 || n > (1ull << 30)) {
        fprintf(stderr, "io_floor: --bytes wants 1..2^30\n");
        return 2;
      }
      want = (size_t)n;
    } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      printf("usage: io_floor [--bytes N] [LIST | -]\n");
      return 0;
    } else if (list == NULL) {
      list = argv[i];
    } else {
      fprintf(stderr, "io_floor: one list at most\n");
      return 2;
    }
  }

  FILE* in = stdin;
  if (list != NULL && strcmp(list, "-") != 0) {
    in = fopen(list, "r");
    if (in == NULL) {
      fprintf(stderr, "io_floor: %s: %s\n", list, strerror(errno));
      return 2;
    }
  }

  /* The whole list is read before the clock starts, so only the file I/O is timed. */
  char** paths = NULL;
  size_t count = 0, cap = 0;
  char* line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  while ((len = getline(&line, &line_cap, in)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0) continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 256;
      char** grown = realloc(paths, cap * sizeof *paths);
      if (grown == NULL) {
        fprintf(stderr, "io_floor: out of memory\n");
        return 2;
      }
      paths = grown;
    }
    paths[count] = strdup(line);
    if (paths[count] == NULL) {
      fprintf(stderr, "io_floor: out of memory\n");
      return 2;
    }
    ++count;
  }
  free(line);
  if (ferror(in)) {
    fprintf(stderr, "io_floor: cannot read the list\n");
    return 2;
  }
  if (in != stdin) fclose(in);

  unsigned char* buf = malloc(want);
  if (buf == NULL) {
    fprintf(stderr, "io_floor: out of memory\n");
    return 2;
  }
  size_t ok = 0, failed = 0;
  uint64_t total = 0;
  double start = now_seconds();
  for (size_t i = 0; i < count; ++i) {
    int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      ++failed;
      continue;
    }
    ssize_t got = pread(fd, buf, want, 0);
    close(fd);
    if (got < 0) {
      ++failed;
      continue;
    }
    total += (uint64_t)got;
    ++ok;
  }
  double seconds = now_seconds() - start;

  printf("files=%zu ok=%zu failed=%zu bytes=%llu seconds=%.6f files_per_s=%.1f\n", count, ok, failed,
         (unsigned long long)total, seconds, seconds > 0 ? (double)count / seconds : 0.0);
  for (size_t i = 0; i < count; ++i) free(paths[i]);
  free(paths);
  free(buf);
  return 0;
}
