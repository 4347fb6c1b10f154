// Package exec executes a rotation plan against a live cluster and its AWS account: batch by
// batch it surges replacement capacity, waits for the new nodes, cordons and drains the old
// ones through the Eviction API and terminates them, restoring each group's sizes. It reports
// progress as typed events and obeys pause, skip and abort controls; it knows nothing of how
// the events are shown.
package exec

import "time"

// Phase is where a node is in its rotation.
type Phase string

// The phases of a node, in the order a rotated node goes through them.
const (
	PhasePending               Phase = "pending"                 // not started
	PhaseSurging               Phase = "surging"                 // its batch's replacement capacity is being added
	PhaseWaitingForReplacement Phase = "waiting-for-replacement" // waiting for the new nodes to be Ready
	PhaseCordoned              Phase = "cordoned"
	PhaseDraining              Phase = "draining"
	PhaseTerminating           Phase = "terminating" // instance terminated, waiting for the node to leave
	PhaseDone                  Phase = "done"
	PhaseSkipped               Phase = "skipped"
	PhaseFailed                Phase = "failed"
)

// Terminal reports whether a node in phase p is finished with.
func (p Phase) Terminal() bool {
	return p == PhaseDone || p == PhaseSkipped || p == PhaseFailed
}

// EventType names the kind of an Event; it is the "type" field of the NDJSON output.
type EventType string

// The events the engine emits.
const (
	EventRunStarted      EventType = "run-started"
	EventBatchStarted    EventType = "batch-started"
	EventBatchFinished   EventType = "batch-finished"
	EventNodePhase       EventType = "node-phase"       // a node changed phase
	EventDrainProgress   EventType = "drain-progress"   // pods evicted of total on a draining node
	EventEvictionBlocked EventType = "eviction-blocked" // a PDB refused an eviction
	EventReplacement     EventType = "replacement"      // a new node joined for a batch
	EventPauseRequested  EventType = "pause-requested"  // a pause was asked for; paused follows at the next safe point
	EventSkipRequested   EventType = "skip-requested"   // a skip of Node was accepted; its node-phase skipped follows
	EventPaused          EventType = "paused"
	EventResumed         EventType = "resumed"
	EventAborting        EventType = "aborting"
	EventGroupResized    EventType = "group-resized" // a group's sizes changed; Message says to what
	EventWarning         EventType = "warning"
	EventFinished        EventType = "finished"
)

// Event is one thing that happened during a rotation. Fields that do not apply to a type
// are empty. Its JSON form is the stable NDJSON schema of "kubectl rotate -o json".
type Event struct {
	Type EventType `json:"type"`
	Time time.Time `json:"time"`
	// Batch is the plan's batch index, -1 when the event concerns no batch.
	Batch int    `json:"batch"`
	Group string `json:"group,omitempty"`
	Node  string `json:"node,omitempty"`
	// Phase is the node's new phase (EventNodePhase).
	Phase Phase `json:"phase,omitempty"`
	// Evicted and Total count the pods of a draining node (EventDrainProgress).
	Evicted int `json:"evicted,omitempty"`
	Total   int `json:"total,omitempty"`
	// Pod and PDB, as namespace/name, name a blocked eviction (EventEvictionBlocked);
	// BlockedFor is how long that eviction has been refused.
	Pod        string        `json:"pod,omitempty"`
	PDB        string        `json:"pdb,omitempty"`
	BlockedFor time.Duration `json:"blockedFor,omitempty"`
	// Replacement names the new node (EventReplacement), InstanceID its instance.
	Replacement string `json:"replacement,omitempty"`
	InstanceID  string `json:"instanceID,omitempty"`
	// Message is a human sentence: the reason of a skip or failure, a warning's text.
	Message string `json:"message,omitempty"`
	// Summary is set on EventFinished.
	Summary *Summary `json:"summary,omitempty"`
}

// Summary is the outcome of a run.
type Summary struct {
	Rotated  int           `json:"rotated"`
	Skipped  int           `json:"skipped"`
	Failed   int           `json:"failed"`
	Aborted  bool          `json:"aborted"`
	Duration time.Duration `json:"duration"`
}
