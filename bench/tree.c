/* SPDX-License-Identifier: BSD-2-Clause */
/* tree COMMAND...: runs COMMAND once as a child subreaper, waits for every
 * process of the run and prints "wall_ms tree_ms peak_kb tree_peak_kb
 * procs exit": wall time until COMMAND exits and until the last process of
 * the run exits, COMMAND's own peak RSS, the largest peak RSS of any
 * process of the run, the number of processes this launcher reaped
 * (COMMAND and those orphaned to it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec t0, t1 = { 0, 0 }, t2;
	struct rusage ru, all;
	long rss = 0;
	int st = 0, s, procs = 0, fd;
	pid_t pid, w;

	if (argc < 2 || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid == -1)
		return 1;
	for (;;) {
		if ((w = wait4(-1, &s, 0, &ru)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		procs++;
		if (w == pid) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			rss = ru.ru_maxrss;
			st = s;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	getrusage(RUSAGE_CHILDREN, &all);
	printf("%.2f %.2f %ld %ld %d %d\n",
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	        (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	    (double)(t2.tv_sec - t0.tv_sec) * 1e3 +
	        (double)(t2.tv_nsec - t0.tv_nsec) / 1e6,
	    rss, all.ru_maxrss, procs, WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	return 0;
}
