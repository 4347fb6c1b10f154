package exec

import "time"

// Report is the record of a run: per node what was replaced by what, how long each phase
// took, and what the drain did.
type Report struct {
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	Summary  Summary      `json:"summary"`
	Nodes    []NodeReport `json:"nodes"`
}

// NodeReport is the record of one node of the plan.
type NodeReport struct {
	Name  string `json:"name"`
	Group string `json:"group"`
	Zone  string `json:"zone,omitempty"`
	Batch int    `json:"batch"`
	// OldInstance and OldImage are the node's; NewInstances and NewImage those of the
	// replacements its batch brought up.
	OldInstance  string   `json:"oldInstance"`
	OldImage     string   `json:"oldImage"`
	NewInstances []string `json:"newInstances,omitempty"`
	NewImage     string   `json:"newImage"`
	// Phase is where the node ended: done, skipped or failed (pending if never reached).
	Phase  Phase  `json:"phase"`
	Reason string `json:"reason,omitempty"`
	// Phases lists each phase the node went through with its start and end.
	Phases          []PhaseTiming `json:"phases"`
	PodsEvicted     int           `json:"podsEvicted"`
	EvictionRetries int           `json:"evictionRetries"`
}

// PhaseTiming is one phase of a node's rotation.
type PhaseTiming struct {
	Phase Phase     `json:"phase"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}
