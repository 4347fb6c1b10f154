package exec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
)

// eventQueue hands events to a reader without ever blocking the writer: events wait in a
// slice until a pump goroutine delivers them, in order, on out.
type eventQueue struct {
	mu     sync.Mutex
	items  []Event
	closed bool
	wake   chan struct{}
	out    chan Event
}

func newEventQueue() *eventQueue {
	q := &eventQueue{wake: make(chan struct{}, 1), out: make(chan Event)}
	go q.pump()
	return q
}

// push queues e; events pushed after close are dropped.
func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, e)
	}
	q.mu.Unlock()
	q.signal()
}

// close lets the pump close out once every queued event is delivered.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) pump() {
	for range q.wake {
		for {
			q.mu.Lock()
			items, closed := q.items, q.closed
			q.items = nil
			q.mu.Unlock()
			for _, e := range items {
				q.out <- e
			}
			if len(items) > 0 {
				continue
			}
			if closed {
				close(q.out)
				return
			}
			break
		}
	}
}

// lineLog is the mutex-guarded writer behind drain's Out and ErrOut: it writes whole lines,
// each prefixed, to w (nowhere when w is nil).
type lineLog struct {
	mu sync.Mutex
	w  io.Writer
}

// writer returns an io.Writer whose complete lines go to the log prefixed by prefix.
func (l *lineLog) writer(prefix string) io.Writer {
	return &prefixWriter{log: l, prefix: prefix}
}

// printf writes one line.
func (l *lineLog) printf(format string, args ...any) {
	if l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}

// prefixWriter buffers a partial line until its newline arrives.
type prefixWriter struct {
	log     *lineLog
	prefix  string
	mu      sync.Mutex
	pending []byte
}

// Write implements io.Writer; it never fails.
func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, b...)
	for {
		i := bytes.IndexByte(p.pending, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.log.printf("%s: %s", p.prefix, p.pending[:i])
		p.pending = p.pending[i+1:]
	}
}

// gate implements pause: every step of the rotation enters it before it starts and leaves it
// when it ends. While paused, enter blocks; once no step is in flight the pause is reached.
type gate struct {
	mu      sync.Mutex
	paused  bool
	reached bool
	active  int
	wake    chan struct{}
	emit    func(EventType, string)
}

func newGate(emit func(EventType, string)) *gate {
	return &gate{wake: make(chan struct{}), emit: emit}
}

// enter waits while the run is paused, then counts a step in flight. It fails only when ctx
// ends.
func (g *gate) enter(ctx context.Context) error {
	g.mu.Lock()
	for g.paused {
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
		g.mu.Lock()
	}
	g.active++
	g.mu.Unlock()
	return nil
}

// leave ends a step; the last one to end under a pause reaches it.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	g.reachLocked()
}

// step runs fn as one step: after any pause, counted as in flight.
func (g *gate) step(ctx context.Context, fn func() error) error {
	if err := g.enter(ctx); err != nil {
		return err
	}
	defer g.leave()
	return fn()
}

func (g *gate) reachLocked() {
	if g.paused && !g.reached && g.active == 0 {
		g.reached = true
		g.emit(EventPaused, "paused: no step in flight; resume to go on")
	}
}

// pause asks for a pause; it is reached when the steps in flight have ended.
func (g *gate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused {
		return
	}
	g.paused, g.reached = true, false
	g.wake = make(chan struct{})
	g.emit(EventPauseRequested, fmt.Sprintf("pause requested: finishing %d step(s) in flight", g.active))
	g.reachLocked()
}

// resume lifts a pause.
func (g *gate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.paused {
		return
	}
	g.paused = false
	close(g.wake)
	g.emit(EventResumed, "resumed")
}
