/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * measure: runs a command RUNS times, one at a time, and prints
 * "median_ms min_ms peak_rss_kb exit".  A small C launcher, because Linux
 * counts the launcher's pages before exec() in the child's peak RSS: a
 * Python one adds ~7 MB.  stdout and stderr of the command go to /dev/null.
 *   measure RUNS COMMAND [ARGS...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	double *ms;
	long rss = 0;
	int runs, i, st = 0, fd;
	pid_t pid;

	if (argc < 3 || (runs = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: measure RUNS COMMAND [ARGS...]\n");
		return 2;
	}
	if ((ms = calloc((size_t)runs, sizeof(*ms))) == NULL)
		return 1;
	for (i = 0; i < runs; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((pid = fork()) == 0) {
			fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid == -1 || wait4(pid, &st, 0, &ru) == -1)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (ru.ru_maxrss > rss)
			rss = ru.ru_maxrss;
	}
	qsort(ms, (size_t)runs, sizeof(*ms), cmp);
	printf("%.2f %.2f %ld %d\n", ms[runs / 2], ms[0], rss,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	return 0;
}
