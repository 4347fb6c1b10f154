package plan

import "time"

// estimate is the expected wall time of rotating batches under p, whose defaults are applied.
// A batch that surges boots its replacements and then drains the old nodes; one that does
// not drains first and then waits for the replacements to boot. Either way a batch costs a
// boot and a drain, and batches run one after the other.
func estimate(batches []Batch, p Policy) time.Duration {
	perBatch := p.BootTime + p.DrainTime
	return time.Duration(len(batches)) * perBatch
}
