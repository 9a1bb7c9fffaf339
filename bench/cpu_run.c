/* cpu_run.c - runs a command and prints the CPU time (user + system) it and
 * every descendant it waited for used, and its peak resident memory, in the
 * same format as pcapflow-replay -t; then the user and system seconds and
 * the minor page faults apart: the bench's meter for every offline tool.
 * The split matters on this VM: memory a process touches for the first
 * time costs it system time that varies from run to run (0.02-0.22 s for
 * the flood's 85 MiB), whatever the tool. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: cpu-run PACKETS COMMAND [ARG]...\n");
    return 2;
  }
  double packets = strtod(argv[1], NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("cpu-run: fork");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror("cpu-run: exec");
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("cpu-run: wait4");
    return 1;
  }
  double user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  double sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  double cpu = user + sys;
  fprintf(stderr,
          "packets %.0f cpu_seconds %.3f packets_per_cpu_second %.0f "
          "ns_per_packet %.1f max_rss_kib %ld user_seconds %.3f "
          "sys_seconds %.3f minor_faults %ld\n",
          packets, cpu, cpu > 0 ? packets / cpu : 0.0,
          packets > 0 ? cpu * 1e9 / packets : 0.0, ru.ru_maxrss, user, sys,
          ru.ru_minflt);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
