package cluster

import "syscall"

// childSysProcAttr puts a child in its own process group, so that the group
// can be signalled as a whole and a terminal's Ctrl-C reaches only the
// sandbox, and makes the kernel kill it if this process dies, even by
// SIGKILL.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
