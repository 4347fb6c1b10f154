//go:build unix && !linux

package cluster

import "syscall"

// childSysProcAttr puts a child in its own process group, so that the group
// can be signalled as a whole and a terminal's Ctrl-C reaches only the
// sandbox. Outside Linux there is no parent-death signal: a sandbox killed
// with SIGKILL leaves its children running.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
