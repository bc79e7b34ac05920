// Package procstat reads a Linux process's CPU time and memory from /proc:
// utime+stime from /proc/PID/stat (all threads, in USER_HZ ticks of 1/100 s,
// which Linux fixes at 100 for /proc on every architecture zkbench runs on)
// and VmRSS/VmHWM from /proc/PID/status. A Sampler polls one process, or
// the members of an ensemble taken together, during a measured window and
// reports the CPU seconds used in the window and the largest resident set
// seen (for several processes: summed CPU, and the largest sum of their
// VmRSS in one sample). On systems without /proc every read fails with an
// error and callers report the fields as missing.
package procstat
