package cluster

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockDir takes an exclusive lock on dir/lock so that two sandboxes never
// share a state directory. The lock goes with the returned file, and with
// the process if it dies.
func lockDir(dir string) (*os.File, error) {
	path := dir + string(os.PathSeparator) + "lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		data, _ := os.ReadFile(path)
		f.Close()
		holder := strings.TrimSpace(string(data))
		if holder == "" {
			holder = "unknown"
		}
		return nil, fmt.Errorf("another sandbox (pid %s) is using %s: stop it first: %w", holder, dir, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
