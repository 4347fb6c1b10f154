package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/awscloud"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
)

// Cloud is what the engine asks of AWS: read an Auto Scaling group, change its sizes (or those
// of an EKS managed node group), terminate its instances, keep the rotation's tags on it, and
// describe instances. *awscloud.Clients implements it.
type Cloud interface {
	GroupState(ctx context.Context, name string) (awscloud.GroupState, error)
	SetGroupSizes(ctx context.Context, name string, sizes awscloud.GroupSizes) error
	SetNodegroupSizes(ctx context.Context, cluster, nodegroup string, sizes awscloud.GroupSizes) error
	TerminateInGroup(ctx context.Context, instanceID string, decrement bool) error
	TagGroup(ctx context.Context, name string, tags map[string]string) error
	UntagGroup(ctx context.Context, name string, keys []string) error
	Instances(ctx context.Context, ids []string) (map[string]awscloud.Instance, error)
}

var _ Cloud = (*awscloud.Clients)(nil)

// Config is what an Engine works with.
type Config struct {
	Plan    *plan.Plan
	Options Options
	Kube    kubernetes.Interface
	Cloud   Cloud
	// Clock times phases, timeouts and delays; nil means the real clock.
	Clock clock.WithTicker
	// Identity names who holds the lock, e.g. "alice@laptop (pid 4242)".
	Identity string
	// Context is the kubeconfig context name, recorded with the lock.
	Context string
	// EKSCluster names the EKS cluster of managed node groups; empty means the
	// eks:cluster-name tag of each node group's Auto Scaling group.
	EKSCluster string
	// Log receives the drain's own output, one line at a time prefixed by the node's name;
	// nil discards it. Writes are serialized.
	Log io.Writer
}

// Engine executes one plan once.
//
// The progress of a rotation lives on the cluster and in AWS, never only in the process, and
// every step is idempotent, so that a run killed at any moment and started again (with a new
// plan from fresh discovery) converges:
//
//   - Before a group's sizes first change, its original min,desired,max are written in the tag
//     TagOriginalSizes of its Auto Scaling group, unless a tag is there already (an earlier run
//     recorded the true originals). Sizes are always set as absolute values; a desired
//     capacity already above what a batch needs is used, never lowered by a size change, so
//     that AWS never picks instances to terminate by its own policy. Surplus instances are
//     drained and terminated one by one with a decrement; the sizes are then set back to the
//     tag's values and the tag removed.
//   - Nodes carry AnnotationPhase and AnnotationRun as they move, and AnnotationCordoned when
//     the rotation cordoned them. A new run puts the batches of nodes left mid-rotation first,
//     uncordons nodes left cordoned that it will not rotate, and at its end uncordons every
//     node it cordoned that is not being terminated.
//   - An instance already terminated is not terminated again; its lingering node is deleted
//     after Options.NodeDeleteGrace.
//   - The Lease LockNamespace/LockName excludes concurrent runs; the lease of a killed run is
//     taken over once Options.LockDuration has passed since its last renewal.
type Engine struct {
	cfg    Config
	opts   Options
	clock  clock.WithTicker
	runID  string
	events *eventQueue
	log    *lineLog

	mu  sync.Mutex
	ran bool
}

// New checks cfg and returns an Engine ready to Run. Zero options take their defaults
// (Options.withDefaults).
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.Plan == nil:
		return nil, errors.New("exec: no plan")
	case cfg.Kube == nil:
		return nil, errors.New("exec: no Kubernetes client")
	case cfg.Cloud == nil:
		return nil, errors.New("exec: no AWS client")
	}
	opts, err := cfg.Options.withDefaults()
	if err != nil {
		return nil, err
	}
	c := cfg.Clock
	if c == nil {
		c = clock.RealClock{}
	}
	if cfg.Identity == "" {
		cfg.Identity = "kubectl-rotate"
	}
	e := &Engine{
		cfg:    cfg,
		opts:   opts,
		clock:  c,
		runID:  newRunID(c.Now()),
		events: newEventQueue(),
		log:    &lineLog{w: cfg.Log},
	}
	return e, nil
}

// RunID identifies this run in node annotations, group tags and the lock.
func (e *Engine) RunID() string { return e.runID }

// Events returns the events of the run, in order. Sending never blocks the engine: events wait
// in an unbounded queue until read. The channel is closed after EventFinished.
func (e *Engine) Events() <-chan Event { return e.events.out }

// Run executes the plan: it takes the cluster's lock, resumes what a previous run left,
// rotates batch after batch and releases the lock. Cancelling ctx aborts the run, as
// ControlAbort does. It returns the report of every run that got the lock, also with an
// error; the error is a *LockHeldError when another run holds the lock. Run may be called
// once.
func (e *Engine) Run(ctx context.Context, controls <-chan Control) (*Report, error) {
	e.mu.Lock()
	if e.ran {
		e.mu.Unlock()
		return nil, errors.New("exec: an Engine runs once")
	}
	e.ran = true
	e.mu.Unlock()

	r := newRun(e)
	defer e.events.close()
	report, err := r.execute(ctx, controls)
	return report, err
}

// newRunID is a sortable, unique run name such as 20260115T101500Z-4f2a9c.
func newRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// withDefaults fills in zero options and checks the rest.
func (o Options) withDefaults() (Options, error) {
	switch o.OnDrainTimeout {
	case "":
		o.OnDrainTimeout = OnDrainTimeoutFail
	case OnDrainTimeoutFail, OnDrainTimeoutSkip, OnDrainTimeoutForce:
	default:
		return o, fmt.Errorf("exec: unknown drain timeout policy %q; use fail, skip or force", o.OnDrainTimeout)
	}
	if o.DrainTimeout < 0 || o.NodeReadyTimeout < 0 || o.WaitBetweenBatches < 0 || o.LockDuration < 0 {
		return o, errors.New("exec: timeouts and delays must not be negative")
	}
	if o.NodeReadyTimeout == 0 {
		o.NodeReadyTimeout = DefaultNodeReadyTimeout
	}
	if o.EvictionRetryDelay <= 0 {
		o.EvictionRetryDelay = DefaultEvictionRetryDelay
	}
	if o.LockDuration == 0 {
		o.LockDuration = DefaultLockDuration
	}
	if o.NodeDeleteGrace <= 0 {
		o.NodeDeleteGrace = DefaultNodeDeleteGrace
	}
	if o.PendingPodsTimeout <= 0 {
		o.PendingPodsTimeout = DefaultPendingPodsTimeout
	}
	return o, nil
}
