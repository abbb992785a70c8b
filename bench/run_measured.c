/* run_measured: runs a command and writes its wall time, CPU time and peak RSS to a file.
 *
 *   run_measured RESULT_FILE COMMAND [ARG...]
 *
 * RESULT_FILE gets one line: "wall_ns=N user_us=N sys_us=N maxrss_kib=N status=N".
 * bench/extract measures every reader through this instead of Python's os.wait4 because Linux
 * carries a process's peak RSS across exec: a child forked from the Python interpreter reports
 * at least the interpreter's ~19 MiB. Forked from this small program, the floor is ~1 MiB.
 * The command's stdin, stdout and stderr are this program's. Exit status: the command's, or
 * 127 when it cannot be started. */
#define _DEFAULT_SOURCE  /* wait4 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long micros(struct timeval tv) { return (long long)tv.tv_sec * 1000000LL + tv.tv_usec; }

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: run_measured RESULT_FILE COMMAND [ARG...]\n");
    return 2;
  }
  FILE* result = fopen(argv[1], "w");
  if (result == NULL) {
    fprintf(stderr, "run_measured: %s: %s\n", argv[1], strerror(errno));
    return 2;
  }

  long long start = now_ns();
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "run_measured: fork: %s\n", strerror(errno));
    return 2;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "run_measured: %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "run_measured: wait4: %s\n", strerror(errno));
      return 2;
    }
  }
  long long wall = now_ns() - start;

  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fprintf(result, "wall_ns=%lld user_us=%lld sys_us=%lld maxrss_kib=%ld status=%d\n", wall,
          micros(usage.ru_utime), micros(usage.ru_stime), usage.ru_maxrss, code);
  fclose(result);
  return code;
}
