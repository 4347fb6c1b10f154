package exec

import "time"

// ControlType names what a Control asks of the engine.
type ControlType string

// The controls an operator can send.
const (
	// ControlPause finishes the step in flight and starts no new one.
	ControlPause ControlType = "pause"
	// ControlResume undoes a pause.
	ControlResume ControlType = "resume"
	// ControlSkip leaves Control.Node on its old image: uncordoned, surplus capacity returned.
	ControlSkip ControlType = "skip"
	// ControlAbort starts nothing new, brings every node in flight to a safe point (uncordons
	// what was not drained), restores group sizes, releases the lock and finishes.
	ControlAbort ControlType = "abort"
)

// Control is an operator's request to a running engine, received on one channel.
type Control struct {
	Type ControlType
	// Node is the node a ControlSkip concerns.
	Node string
}

// DrainTimeoutPolicy says what happens to a node whose drain outlasts DrainTimeout.
type DrainTimeoutPolicy string

// The drain timeout policies.
const (
	// OnDrainTimeoutFail uncordons the node and marks it failed; the run exits 3.
	OnDrainTimeoutFail DrainTimeoutPolicy = "fail"
	// OnDrainTimeoutSkip uncordons the node, keeps it on its old image and goes on.
	OnDrainTimeoutSkip DrainTimeoutPolicy = "skip"
	// OnDrainTimeoutForce deletes the remaining pods without eviction; only on request.
	OnDrainTimeoutForce DrainTimeoutPolicy = "force"
)

// Options are the execution policies.
type Options struct {
	DrainTimeout       time.Duration
	OnDrainTimeout     DrainTimeoutPolicy
	NodeReadyTimeout   time.Duration
	GracePeriod        time.Duration // negative: each pod's own terminationGracePeriodSeconds
	WaitBetweenBatches time.Duration
	DeleteEmptyDirData bool
	// EvictionRetryDelay is how long a refused eviction waits before it is retried.
	EvictionRetryDelay time.Duration
}
