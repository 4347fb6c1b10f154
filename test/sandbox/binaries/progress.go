package binaries

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"
)

// packageCounter reads the output of go build -v: lines that are bare
// import paths are packages being compiled; anything else is kept (last
// lines only) to explain a failure.
type packageCounter struct {
	done chan struct{}

	mu       sync.Mutex
	packages int
	other    []string
}

const keptLines = 40

func newPackageCounter(r io.Reader) *packageCounter {
	c := &packageCounter{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			c.add(sc.Text())
		}
		// Drain so the writer never blocks if scanning stopped early.
		_, _ = io.Copy(io.Discard, r)
	}()
	return c
}

func (c *packageCounter) add(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if isImportPath(line) {
		c.packages++
		return
	}
	c.other = append(c.other, line)
	if len(c.other) > keptLines {
		c.other = c.other[len(c.other)-keptLines:]
	}
}

func isImportPath(line string) bool {
	return line != "" && !strings.ContainsAny(line, " \t:#")
}

func (c *packageCounter) describe(total int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if total > 0 {
		return fmt.Sprintf("%d/%d packages compiled", min(c.packages, total), total)
	}
	return fmt.Sprintf("%d packages compiled", c.packages)
}

func (c *packageCounter) failure() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.other, "\n")
}
