//go:build go1.25

// The command runs with as many Ps (GOMAXPROCS) as the CPU it may use: the
// cores of its CPU affinity and, since Go 1.25, the CPU limit of its cgroup
// (a container's --cpus, systemd's CPUQuota=), rounded up and at least 2,
// re-read as the limit changes. The runtime does this by default only for
// modules that say go 1.25 or later in go.mod; this module says 1.24 so
// that the library builds with Go 1.24, and these lines turn it on for the
// command whenever its toolchain has it. Without them, an instance given
// two CPUs of quota on a 32-core host runs 32 Ps: their threads spend a
// period's quota in a burst, then all wait for the next period (CFS
// throttling), which shows as tail latency. More Ps than CPUs hurt even
// without a quota: pinned to one core, with 10,000 connections asking
// 5,000 requests a second, p99 was 7.0-7.7 ms with one P and 49-249 ms
// with two, the collector's mark workers taking turns with the requests.

//go:debug containermaxprocs=1
//go:debug updatemaxprocs=1

package main
