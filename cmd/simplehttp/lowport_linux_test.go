package main

import (
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestE2ELowPortAsUser: an ordinary user who asks for a port below 1024
// is told why it cannot be had and what to do instead.
func TestE2ELowPortAsUser(t *testing.T) {
	start, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if os.Getuid() != 0 || err != nil || strings.TrimSpace(string(start)) == "0" {
		t.Skip("needs root (to run the binary as nobody) and privileged low ports")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	cmd := command(t, "-b", "127.0.0.1", "-d", "/", "1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
	checkFailure(t, cmd, 1,
		"cannot listen on 127.0.0.1 port 1: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port from 1024 up)")
}
