package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// tmuxSession is a terminal of 160x45 columns in a tmux server of the test's own.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

// startTmux runs command in a new detached tmux session with env.
func startTmux(t *testing.T, env []string, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is needed to drive the dashboard (apt-get install tmux): %v", err)
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("kubectl-rotate-e2e-%d", os.Getpid()), name: "dashboard"}
	// env(1) sets the command's environment whatever the tmux server's own is.
	args := append([]string{"new-session", "-d", "-s", s.name, "-x", "160", "-y", "45", "env"}, env...)
	args = append(args, "sh", "-c", command+`; echo "EXIT=$?"; sleep 600`)
	s.tmux(args...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the terminal shows now.
func (s *tmuxSession) screen() string {
	return s.tmux("capture-pane", "-p", "-t", s.name)
}

// keys types keys into the terminal.
func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// waitFor waits until the screen shows text, and returns the screen.
func (s *tmuxSession) waitFor(text string, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.screen()
		if strings.Contains(screen, text) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", text, screen)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDashboardPauseSkipAbort runs kubectl rotate on a terminal, confirms the plan, then
// pauses, resumes, skips a node and aborts with the dashboard's keys, reading the screen.
func TestDashboardPauseSkipAbort(t *testing.T) {
	e := freshSandbox(t, "small", nil)
	env := append(e.stack.Environ(), "PATH="+filepath.Dir(e.plugin)+":"+e.binDir+":"+os.Getenv("PATH"), "HOME="+t.TempDir(), "TERM=xterm-256color", "CI=")
	term := startTmux(t, env, "kubectl rotate --delete-emptydir-data")

	term.waitFor("start rotation", time.Minute)
	term.keys("y")
	term.waitFor("RUNNING", 30*time.Second)

	term.keys("p")
	screen := term.waitFor("PAUSE", 5*time.Second)
	if !strings.Contains(screen, "PAUSE REQUESTED") && !strings.Contains(screen, "PAUSED") {
		t.Errorf("a pause request does not show at once:\n%s", screen)
	}
	term.waitFor("PAUSED", time.Minute)
	term.keys("p")
	term.waitFor("RUNNING", 30*time.Second)

	// The last node of the table is rotated last: skip it.
	term.keys("G")
	term.keys("s")
	term.waitFor("Skip node", 5*time.Second)
	term.keys("y")
	term.waitFor("skip", 5*time.Second)

	term.keys("a")
	term.waitFor("Abort the rotation?", 5*time.Second)
	term.keys("y")
	term.waitFor("Rotation aborted", 2*time.Minute)
	term.keys("q")
	screen = term.waitFor("EXIT=", 30*time.Second)
	if !strings.Contains(screen, "EXIT=130") || !strings.Contains(screen, "rotation aborted") {
		t.Errorf("after the dashboard, the terminal shows:\n%s", screen)
	}

	// An abort leaves the cluster safe: nothing cordoned, every group at its sizes.
	nodes, err := e.stack.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable {
			t.Errorf("node %s stays cordoned after the abort", n.Name)
		}
	}
	for _, g := range e.stack.Scenario.Groups {
		asg, _ := e.stack.Cloud.AutoScalingGroup(e.stack.Scenario.AutoScalingGroupName(g))
		if asg.DesiredCapacity != g.Size || asg.MaxSize != g.MaxSize {
			t.Errorf("group %s left at desired %d, max %d; want %d, %d", g.Name, asg.DesiredCapacity, asg.MaxSize, g.Size, g.MaxSize)
		}
	}
}
