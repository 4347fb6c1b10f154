package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// process is one control-plane program running as a child of this process,
// in its own process group, with its output in a log file.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the child has been waited for
	err     error         // the exit status; read only after exited is closed
}

// startProcess starts path with args, output appended to logPath.
//
// The child is started from a goroutine that stays locked to its OS thread
// until the child has exited: on Linux the parent-death signal follows the
// thread that forked, and a locked thread lives exactly as long as this
// goroutine, so the child gets SIGKILL only when this process dies.
func startProcess(name, path string, args []string, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log for %s: %w", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Stdin = nil
	cmd.SysProcAttr = childSysProcAttr()
	p := &process{name: name, logPath: logPath, cmd: cmd, exited: make(chan struct{})}

	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread ends with this goroutine.
		if err := cmd.Start(); err != nil {
			started <- err
			logFile.Close()
			return
		}
		started <- nil
		p.err = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return p, nil
}

// running reports whether the child has not exited yet.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// exitError describes how the child ended, with the end of its log.
func (p *process) exitError() error {
	return fmt.Errorf("%s exited (%v); last lines of %s:\n%s", p.name, p.err, p.logPath, tailFile(p.logPath, 15))
}

// stop sends SIGTERM to the child's process group, waits up to grace for the
// child to exit, then kills the whole group. It returns an error only if the
// child could not be reaped.
func (p *process) stop(grace time.Duration) error {
	pid := p.cmd.Process.Pid
	if p.running() {
		_ = signalGroup(pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(grace):
		}
	}
	// Whatever is left in the group, the leader included, goes now.
	if err := signalGroup(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, pid)
	}
}

// tailFile returns up to n last lines of a file, for error messages.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
