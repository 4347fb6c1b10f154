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
	// DrainTimeout bounds the drain of one node; zero means no bound.
	DrainTimeout   time.Duration
	OnDrainTimeout DrainTimeoutPolicy
	// NodeReadyTimeout bounds the wait for replacement nodes to be Ready; zero means
	// DefaultNodeReadyTimeout.
	NodeReadyTimeout   time.Duration
	GracePeriod        time.Duration // negative: each pod's own terminationGracePeriodSeconds
	WaitBetweenBatches time.Duration
	DeleteEmptyDirData bool
	// EvictionRetryDelay is how long a refused eviction waits before it is retried; zero
	// means DefaultEvictionRetryDelay.
	EvictionRetryDelay time.Duration
	// LockDuration is how long the cluster's lock stays valid without renewal; the engine
	// renews it every third of that. A run killed without releasing its lock is taken over
	// once this much time has passed since its last renewal. Zero means DefaultLockDuration.
	LockDuration time.Duration
	// NodeDeleteGrace is how long a node may linger after its instance terminated before
	// the engine deletes the Node object, as the cloud node controller would. Zero means
	// DefaultNodeDeleteGrace.
	NodeDeleteGrace time.Duration
	// PendingPodsTimeout bounds the wait, after each batch, for the pods evicted by the run
	// to leave Pending; past it a warning names them and the run goes on. Zero means
	// DefaultPendingPodsTimeout.
	PendingPodsTimeout time.Duration
}

// Defaults of the options left zero.
const (
	DefaultNodeReadyTimeout   = 10 * time.Minute
	DefaultEvictionRetryDelay = 5 * time.Second
	DefaultLockDuration       = 30 * time.Second
	DefaultNodeDeleteGrace    = 2 * time.Minute
	DefaultPendingPodsTimeout = 2 * time.Minute
)
